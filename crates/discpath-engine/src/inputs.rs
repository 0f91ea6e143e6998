//! The inputs a fired rule read, with their values: part of every rationale entry.

use std::borrow::Cow;

use discpath_model::Scalar;
use discpath_model::vocabulary::Field;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// The value of one input as the rule saw it.
#[derive(Debug, Clone, PartialEq)]
pub enum InputValue<'a> {
    /// Not answered.
    Absent,
    /// A fact's value.
    Scalar(&'static Field, Scalar),
    /// A set of ids (diagnoses, red flags, unanswered screen items …).
    List(Vec<&'a str>),
}

impl Serialize for InputValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Absent => serializer.serialize_none(),
            Self::Scalar(field, value) => match value {
                Scalar::Bool(b) => serializer.serialize_bool(*b),
                Scalar::Int(i) => serializer.serialize_i64(*i),
                Scalar::Number(n) => serializer.serialize_f64(*n),
                Scalar::Enum(_) => serializer.serialize_str(&field.render(*value)),
            },
            Self::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
        }
    }
}

/// The inputs of one rule, by name, each once, sorted by name (serialized as a JSON object).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs<'a> {
    entries: Vec<(Cow<'a, str>, InputValue<'a>)>,
}

impl<'a> Inputs<'a> {
    /// Adds an input (a second read of the same input is ignored).
    pub fn push(&mut self, name: Cow<'a, str>, value: InputValue<'a>) {
        if let Err(position) = self.entries.binary_search_by(|(n, _)| n.as_ref().cmp(&name)) {
            self.entries.insert(position, (name, value));
        }
    }

    /// The inputs, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &InputValue<'a>)> {
        self.entries.iter().map(|(name, value)| (name.as_ref(), value))
    }

    /// Whether the rule read nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Serialize for Inputs<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (name, value) in &self.entries {
            map.serialize_entry(name.as_ref(), value)?;
        }
        map.end()
    }
}
