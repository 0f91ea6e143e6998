//! Walking a document with serde: object and array handlers that record every problem with
//! its path and go on.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::Validator;
use super::loose::{Key, Loose, LooseVisitor};

/// What a value turned out to be: handled by a walker, or something else (a scalar, or the wrong
/// kind of container), summarized for the error message.
pub(super) enum Shape<'de> {
    Handled,
    Other(Loose<'de>),
}

/// Handles the entries of an object.
pub(super) trait Entries {
    /// Reads the value of `key` from `map` (every entry's value must be consumed).
    fn entry<'de, A: MapAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error>;

    /// Called after the last entry.
    fn end(self, validator: &mut Validator);
}

/// Handles the elements of an array.
pub(super) trait Elements {
    /// Reads element `index` from `seq`; `false` when the array has ended.
    fn element<'de, A: SeqAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        index: usize,
        seq: &mut A,
    ) -> Result<bool, A::Error>;

    /// Called after the last element, with how many there were.
    fn end(self, validator: &mut Validator, count: usize);
}

/// What a walker expects to find: an object handled entry by entry, or an array handled element
/// by element. Finding anything else is reported as [`Shape::Other`].
pub(super) enum Container<O, L> {
    Object(O),
    Array(L),
}

/// Walks an object with an [`Entries`] handler, or an array with an [`Elements`] handler.
pub(super) struct Walk<'v, O, L> {
    validator: &'v mut Validator,
    container: Container<O, L>,
}

impl<'de, O: Entries, L: Elements> DeserializeSeed<'de> for Walk<'_, O, L> {
    type Value = Shape<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, O: Entries, L: Elements> Visitor<'de> for Walk<'_, O, L> {
    type Value = Shape<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.container {
            Container::Object(_) => "an object",
            Container::Array(_) => "an array",
        })
    }

    // Anything but the expected container is summarized for the error message.
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Shape::Other(Loose::Null))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Shape::Other(Loose::Null))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Shape::Other(Loose::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Shape::Other(Loose::Number(v as f64)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Shape::Other(Loose::Number(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Shape::Other(Loose::Number(v)))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Shape::Other(Loose::Str(Cow::Borrowed(v))))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Shape::Other(Loose::Str(Cow::Owned(v.to_owned()))))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Container::Object(mut handler) = self.container else {
            return LooseVisitor.visit_map(map).map(Shape::Other);
        };
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            handler.entry(self.validator, &key, &mut map)?;
        }
        handler.end(self.validator);
        Ok(Shape::Handled)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let Container::Array(mut handler) = self.container else {
            return LooseVisitor.visit_seq(seq).map(Shape::Other);
        };
        let mut count = 0;
        while handler.element(self.validator, count, &mut seq)? {
            count += 1;
        }
        handler.end(self.validator, count);
        Ok(Shape::Handled)
    }
}

/// A walker for an object.
pub(super) fn object<O: Entries>(validator: &mut Validator, handler: O) -> Walk<'_, O, NoElements> {
    Walk { validator, container: Container::Object(handler) }
}

/// The unused handler of a walker for an array.
pub(super) enum NoEntries {}

impl Entries for NoEntries {
    fn entry<'de, A: MapAccess<'de>>(
        &mut self,
        _: &mut Validator,
        _: &str,
        _: &mut A,
    ) -> Result<(), A::Error> {
        match *self {}
    }

    fn end(self, _: &mut Validator) {
        match self {}
    }
}

/// The unused handler of a walker for an object.
pub(super) enum NoElements {}

impl Elements for NoElements {
    fn element<'de, A: SeqAccess<'de>>(
        &mut self,
        _: &mut Validator,
        _: usize,
        _: &mut A,
    ) -> Result<bool, A::Error> {
        match *self {}
    }

    fn end(self, _: &mut Validator, _: usize) {
        match self {}
    }
}

/// Reads an entry that must be a container, `what` (`an object`, `an array of 10 items`), with
/// its handler; anything else is an error at `path`.
pub(super) fn container_entry<'de, A: MapAccess<'de>, O: Entries, L: Elements>(
    validator: &mut Validator,
    path: &str,
    what: &str,
    container: Container<O, L>,
    map: &mut A,
) -> Result<(), A::Error> {
    if let Shape::Other(value) =
        map.next_value_seed(Walk { validator: &mut *validator, container })?
    {
        validator.error(path, format!("expected {what}, found {value}"));
    }
    Ok(())
}

/// Reads an object-valued entry with `handler`.
pub(super) fn object_entry<'de, A: MapAccess<'de>, H: Entries>(
    validator: &mut Validator,
    path: &str,
    handler: H,
    map: &mut A,
) -> Result<(), A::Error> {
    container_entry(validator, path, "an object", Container::<H, NoElements>::Object(handler), map)
}

/// Reads an array-valued entry with `handler`.
pub(super) fn array_entry<'de, A: MapAccess<'de>, H: Elements>(
    validator: &mut Validator,
    path: &str,
    what: &str,
    handler: H,
    map: &mut A,
) -> Result<(), A::Error> {
    container_entry(validator, path, what, Container::<NoEntries, H>::Array(handler), map)
}

/// Skips an unknown entry, recording it.
pub(super) fn unknown_entry<'de, A: MapAccess<'de>>(
    validator: &mut Validator,
    path: String,
    key: &str,
    known: &[&str],
    map: &mut A,
) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>()?;
    validator.unknown(path, key, known);
    Ok(())
}

/// The top-level object, read with a handler for its entries.
pub(super) struct Document<'v, H>(pub(super) &'v mut Validator, pub(super) H);

impl<'de, H: Entries> DeserializeSeed<'de> for Document<'_, H> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let Self(validator, handler) = self;
        let shape = object(&mut *validator, handler).deserialize(deserializer)?;
        if let Shape::Other(value) = shape {
            validator.error("", format!("expected a JSON object, found {value}"));
        }
        Ok(())
    }
}
