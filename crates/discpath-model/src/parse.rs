//! Parsing and validating an assessment document.
//!
//! The document is validated while serde streams it (from text or from a `serde_json::Value`),
//! field by field, without building a JSON tree: every problem is recorded with the path of its
//! field (`questionnaires.odi[3]: 7 is outside 0..=5`) and the walk goes on, so all of them are
//! reported at once, sorted by path. Unknown fields are errors: a misspelt red flag that were
//! dropped would be a missed red flag.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;

use jiff::civil::Date;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::document::{Assessment, Diagnosis, DiagnosisCode};
use crate::error::{FieldError, InvalidDocument};
use crate::vocabulary::{
    BACK_PAIN, DIAGNOSIS_CODES, FIELD_COUNT, FIELDS, LEG_PAIN, ODI_ITEM_MAX, ODI_ITEMS, Origin,
    REQUIRED_SECTIONS, SECTIONS, START_BACK_ITEMS, Scalar, ValueType,
};

/// The earliest care-plan start date accepted.
const EARLIEST_START: Date = jiff::civil::date(1900, 1, 1);
/// The latest care-plan start date accepted (far enough from jiff's limits that adding six
/// months to it can never overflow).
const LATEST_START: Date = jiff::civil::date(2999, 12, 31);

/// Parses and validates a JSON assessment document.
pub fn parse(json: &str) -> Result<Assessment, InvalidDocument> {
    read_text(json, Sections::default())?.finish()
}

/// Validates an already-parsed JSON value as an assessment document.
pub fn from_value(value: &Value) -> Result<Assessment, InvalidDocument> {
    from_deserializer(value)
}

/// Validates a document read by any serde deserializer; an error of the deserializer itself
/// (e.g. a syntax error) is reported as the only error.
pub fn from_deserializer<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Assessment, InvalidDocument> {
    read(deserializer, Sections::default()).map_err(only_error)?.finish()
}

/// The answers given at a follow-up: `{"label": "6 weeks", "questionnaires": {…}, "pain":
/// {"back": 0–10, "leg": 0–10}}`, the questionnaires as in an assessment document.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpAnswers {
    /// The follow-up point, e.g. `6 weeks`.
    pub label: String,
    /// The answers, as a partial document (questionnaires and pain only).
    pub answers: Assessment,
}

/// Parses and validates a follow-up's answers.
pub fn parse_follow_up(json: &str) -> Result<FollowUpAnswers, InvalidDocument> {
    let mut validator = read_text(json, FollowUp)?;
    let label = validator.label.take().unwrap_or_default();
    Ok(FollowUpAnswers { label, answers: validator.finish()? })
}

/// Validates JSON text with a top-level handler.
fn read_text<H: Entries>(json: &str, handler: H) -> Result<Validator, InvalidDocument> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let validator = read(&mut deserializer, handler)
        .and_then(|validator| deserializer.end().map(|()| validator).map_err(|e| e.to_string()))
        .map_err(|error| only_error(format!("not valid JSON: {error}")))?;
    Ok(validator)
}

/// Validates a document with a top-level handler; the error is the deserializer's own.
fn read<'de, D: Deserializer<'de>, H: Entries>(
    deserializer: D,
    handler: H,
) -> Result<Validator, String> {
    let mut validator = Validator::new();
    Document(&mut validator, handler).deserialize(deserializer).map_err(|e| e.to_string())?;
    Ok(validator)
}

fn only_error(message: String) -> InvalidDocument {
    InvalidDocument { errors: vec![FieldError { path: String::new(), message }] }
}

/// The range of [`FIELDS`] each input section occupies (fields are grouped by section).
static SECTION_RANGES: LazyLock<Vec<(&'static str, Range<usize>)>> = LazyLock::new(|| {
    let mut ranges: Vec<(&'static str, Range<usize>)> = Vec::new();
    for (index, field) in FIELDS.iter().enumerate().filter(|(_, f)| f.origin == Origin::Input) {
        match ranges.last_mut() {
            Some((section, range)) if *section == field.section => range.end = index + 1,
            _ => ranges.push((field.section, index..index + 1)),
        }
    }
    ranges
});

/// The fields of one section.
fn section_range(section: &str) -> Range<usize> {
    SECTION_RANGES
        .iter()
        .find(|(name, _)| *name == section)
        .map_or(0..0, |(_, range)| range.clone())
}

/// The document being built and the problems found so far.
struct Validator {
    errors: Vec<FieldError>,
    doc: Assessment,
    /// A follow-up's label (follow-up answers only).
    label: Option<String>,
}

impl Validator {
    fn new() -> Self {
        Self {
            errors: Vec::new(),
            doc: Assessment {
                facts: [None; FIELD_COUNT],
                diagnoses: Vec::new(),
                odi: None,
                start_back: None,
                start_date: None,
            },
            label: None,
        }
    }

    fn finish(mut self) -> Result<Assessment, InvalidDocument> {
        if self.errors.is_empty() {
            return Ok(self.doc);
        }
        self.errors.sort_by(|a, b| a.path.cmp(&b.path));
        Err(InvalidDocument { errors: self.errors })
    }

    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError { path: path.into(), message: message.into() });
    }

    fn unknown(&mut self, path: String, key: &str, known: &[&str]) {
        let hint = known
            .iter()
            .filter(|candidate| strsim::levenshtein(key, candidate) <= 2)
            .min_by_key(|candidate| strsim::levenshtein(key, candidate))
            .map(|candidate| format!(" (did you mean {candidate}?)"))
            .unwrap_or_default();
        self.error(path, format!("unknown field{hint}"));
    }

    /// Checks one scalar against its type and range, recording an error at `path` (built only
    /// when there is one).
    fn scalar(
        &mut self,
        path: impl FnOnce() -> String,
        ty: ValueType,
        value: &Loose<'_>,
    ) -> Option<Scalar> {
        match check(ty, value) {
            Ok(scalar) => Some(scalar),
            Err(message) => {
                self.error(path(), message);
                None
            }
        }
    }
}

/// Checks one scalar against its type and range; the error is the message.
fn check(ty: ValueType, value: &Loose<'_>) -> Result<Scalar, String> {
    match (ty, value) {
        (ValueType::Bool, Loose::Bool(b)) => Ok(Scalar::Bool(*b)),
        (ValueType::Integer { min, max }, Loose::Number(n)) => {
            if n.fract() != 0.0 {
                return Err(format!("expected {ty}, found {value}"));
            }
            // Both bounds are small integers, so comparing as f64 is exact.
            if *n < min as f64 || *n > max as f64 {
                return Err(format!("{value} is outside {min}..={max}"));
            }
            // In range, hence a small whole number: the cast is exact.
            Ok(Scalar::Int(*n as i64))
        }
        (ValueType::Number { min, max }, Loose::Number(n)) => {
            if *n < min || max.is_some_and(|max| *n > max) {
                let range = match max {
                    Some(max) => format!("{min}..={max}"),
                    None => format!("{min}.."),
                };
                return Err(format!("{value} is outside {range}"));
            }
            Ok(Scalar::Number(*n))
        }
        (ValueType::Enum(codes), Loose::Str(code)) => codes
            .iter()
            .position(|c| *c == code.as_ref())
            .and_then(|i| u8::try_from(i).ok())
            .map(Scalar::Enum)
            .ok_or_else(|| format!("{value} is not one of {}", codes.join(", "))),
        _ => Err(format!("expected {ty}, found {value}")),
    }
}

/// A JSON value where a scalar is expected, with anything nested consumed and summarized.
enum Loose<'de> {
    Null,
    Bool(bool),
    Number(f64),
    Str(Cow<'de, str>),
    Array,
    Object,
}

impl fmt::Display for Loose<'_> {
    /// A short description for error messages (strings quoted and truncated).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("null"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Number(n) => match serde_json::Number::from_f64(*n) {
                Some(number) if n.fract() != 0.0 || n.abs() >= 1e16 => write!(f, "{number}"),
                _ => write!(f, "{n}"),
            },
            Self::Str(s) if s.chars().count() > 40 => {
                write!(f, "{:?}…", s.chars().take(40).collect::<String>())
            }
            Self::Str(s) => write!(f, "{s:?}"),
            Self::Array => f.write_str("an array"),
            Self::Object => f.write_str("an object"),
        }
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Loose::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Loose::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Loose::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Loose::Number(v as f64))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Loose::Number(v as f64))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Loose::Number(v))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Loose::Array)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Loose::Object)
    }
}

impl<'de> de::Deserialize<'de> for Loose<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor)
    }
}

/// An object key, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// What a value turned out to be: handled by a walker, or something else (a scalar, or the wrong
/// kind of container), summarized for the error message.
enum Shape<'de> {
    Handled,
    Other(Loose<'de>),
}

/// Handles the entries of an object.
trait Entries {
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
trait Elements {
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
enum Container<O, L> {
    Object(O),
    Array(L),
}

/// Walks an object with an [`Entries`] handler, or an array with an [`Elements`] handler.
struct Walk<'v, O, L> {
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
fn object<O: Entries>(validator: &mut Validator, handler: O) -> Walk<'_, O, NoElements> {
    Walk { validator, container: Container::Object(handler) }
}

/// The unused handler of a walker for an array.
enum NoEntries {}

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
enum NoElements {}

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
fn container_entry<'de, A: MapAccess<'de>, O: Entries, L: Elements>(
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
fn object_entry<'de, A: MapAccess<'de>, H: Entries>(
    validator: &mut Validator,
    path: &str,
    handler: H,
    map: &mut A,
) -> Result<(), A::Error> {
    container_entry(validator, path, "an object", Container::<H, NoElements>::Object(handler), map)
}

/// Reads an array-valued entry with `handler`.
fn array_entry<'de, A: MapAccess<'de>, H: Elements>(
    validator: &mut Validator,
    path: &str,
    what: &str,
    handler: H,
    map: &mut A,
) -> Result<(), A::Error> {
    container_entry(validator, path, what, Container::<NoEntries, H>::Array(handler), map)
}

/// Skips an unknown entry, recording it.
fn unknown_entry<'de, A: MapAccess<'de>>(
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
struct Document<'v, H>(&'v mut Validator, H);

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

/// The document's entries: its sections.
#[derive(Default)]
struct Sections {
    present: Vec<&'static str>,
}

impl Entries for Sections {
    fn entry<'de, A: MapAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let Some(section) = SECTIONS.iter().copied().find(|s| *s == key) else {
            return unknown_entry(validator, key.to_owned(), key, SECTIONS, map);
        };
        self.present.push(section);
        match section {
            "diagnoses" => array_entry(validator, section, "an array", Diagnoses, map),
            "questionnaires" => object_entry(
                validator,
                section,
                Scalars::with(section, &["odi", "start_back"]),
                map,
            ),
            "plan" => object_entry(validator, section, Plan, map),
            _ => object_entry(validator, section, Scalars::with(section, &[]), map),
        }
    }

    fn end(self, validator: &mut Validator) {
        for section in REQUIRED_SECTIONS {
            if !self.present.contains(section) {
                validator.error(*section, "required");
            }
        }
    }
}

/// The scalar fields of a section; `special` keys (the questionnaires' item lists) are read by
/// their own walkers.
struct Scalars {
    section: &'static str,
    range: Range<usize>,
    special: &'static [&'static str],
    /// Bit `i` set: field `i` of [`FIELDS`] was named.
    named: u64,
}

impl Scalars {
    fn with(section: &'static str, special: &'static [&'static str]) -> Self {
        Self { section, range: section_range(section), special, named: 0 }
    }
}

impl Entries for Scalars {
    fn entry<'de, A: MapAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match key {
            "odi" if self.special.contains(&"odi") => {
                let path = "questionnaires.odi";
                let what = "an array of 10 items";
                return array_entry(validator, path, what, Items::odi(), map);
            }
            "start_back" if self.special.contains(&"start_back") => {
                let path = "questionnaires.start_back";
                let what = "an array of 9 items";
                return array_entry(validator, path, what, Items::start_back(), map);
            }
            _ => {}
        }
        let fields = &FIELDS[self.range.clone()];
        let Some(offset) = fields.iter().position(|f| f.name == key) else {
            let known: Vec<&str> =
                fields.iter().map(|f| f.name).chain(self.special.iter().copied()).collect();
            return unknown_entry(validator, format!("{}.{key}", self.section), key, &known, map);
        };
        let index = self.range.start + offset;
        let value: Loose<'de> = map.next_value()?;
        self.named |= 1 << index;
        validator.doc.facts[index] =
            validator.scalar(|| FIELDS[index].path.to_owned(), FIELDS[index].ty, &value);
        Ok(())
    }

    fn end(self, validator: &mut Validator) {
        for (index, field) in FIELDS[self.range.clone()].iter().enumerate() {
            if field.required && self.named & (1 << (self.range.start + index)) == 0 {
                validator.error(field.path, "required");
            }
        }
    }
}

/// `diagnoses[]`.
struct Diagnoses;

impl Elements for Diagnoses {
    fn element<'de, A: SeqAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        index: usize,
        seq: &mut A,
    ) -> Result<bool, A::Error> {
        let handler = DiagnosisEntry { index, code: None, confirmed: None, named: [false; 2] };
        match seq.next_element_seed(object(&mut *validator, handler))? {
            None => Ok(false),
            Some(Shape::Handled) => Ok(true),
            Some(Shape::Other(value)) => {
                validator.error(
                    format!("diagnoses[{index}]"),
                    format!("expected an object, found {value}"),
                );
                Ok(true)
            }
        }
    }

    fn end(self, _validator: &mut Validator, _count: usize) {}
}

/// One `diagnoses[]` entry.
struct DiagnosisEntry {
    index: usize,
    code: Option<DiagnosisCode>,
    confirmed: Option<bool>,
    named: [bool; 2],
}

impl Entries for DiagnosisEntry {
    fn entry<'de, A: MapAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let path = format!("diagnoses[{}]", self.index);
        match key {
            "code" => {
                self.named[0] = true;
                match map.next_value::<Loose<'de>>()? {
                    Loose::Str(text) => match DiagnosisCode::lookup(&text) {
                        Some(code) => self.code = Some(code),
                        None => validator.error(
                            format!("{path}.code"),
                            format!(
                                "{} is not one of {}",
                                Loose::Str(text),
                                DIAGNOSIS_CODES.join(", ")
                            ),
                        ),
                    },
                    other => validator.error(
                        format!("{path}.code"),
                        format!("expected a diagnosis code, found {other}"),
                    ),
                }
            }
            "confirmed_by_imaging" => {
                self.named[1] = true;
                match map.next_value::<Loose<'de>>()? {
                    Loose::Bool(b) => self.confirmed = Some(b),
                    other => validator.error(
                        format!("{path}.confirmed_by_imaging"),
                        format!("expected true or false, found {other}"),
                    ),
                }
            }
            other => {
                let known = &["code", "confirmed_by_imaging"];
                return unknown_entry(validator, format!("{path}.{other}"), other, known, map);
            }
        }
        Ok(())
    }

    fn end(self, validator: &mut Validator) {
        for (named, key) in self.named.iter().zip(["code", "confirmed_by_imaging"]) {
            if !named {
                validator.error(format!("diagnoses[{}].{key}", self.index), "required");
            }
        }
        if let (Some(code), Some(confirmed_by_imaging)) = (self.code, self.confirmed) {
            validator.doc.diagnoses.push(Diagnosis { code, confirmed_by_imaging });
        }
    }
}

/// A questionnaire's item list: the ODI (items may be null: unanswered) or STarT Back.
struct Items {
    path: &'static str,
    /// The answers so far (the ODI's ten, or STarT Back's nine).
    answers: [Option<u8>; ODI_ITEMS],
    expected: usize,
    nullable: bool,
    valid: bool,
}

impl Items {
    fn odi() -> Self {
        Self {
            path: "questionnaires.odi",
            answers: [None; ODI_ITEMS],
            expected: ODI_ITEMS,
            nullable: true,
            valid: true,
        }
    }

    fn start_back() -> Self {
        let path = "questionnaires.start_back";
        Self {
            path,
            answers: [None; ODI_ITEMS],
            expected: START_BACK_ITEMS,
            nullable: false,
            valid: true,
        }
    }

    fn max(&self, index: usize) -> u8 {
        match (self.nullable, index + 1 == START_BACK_ITEMS) {
            (true, _) => ODI_ITEM_MAX,
            // Items 1–8 are agree (1) / disagree (0); item 9 is a five-point scale (0–4).
            (false, true) => 4,
            (false, false) => 1,
        }
    }
}

impl Elements for Items {
    fn element<'de, A: SeqAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        index: usize,
        seq: &mut A,
    ) -> Result<bool, A::Error> {
        let Some(value) = seq.next_element::<Loose<'de>>()? else { return Ok(false) };
        if index >= self.expected {
            return Ok(true);
        }
        if self.nullable && matches!(value, Loose::Null) {
            return Ok(true);
        }
        let ty = ValueType::Integer { min: 0, max: i64::from(self.max(index)) };
        let path = self.path;
        match validator.scalar(|| format!("{path}[{index}]"), ty, &value) {
            Some(Scalar::Int(score)) => self.answers[index] = u8::try_from(score).ok(),
            _ => self.valid = false,
        }
        Ok(true)
    }

    fn end(self, validator: &mut Validator, count: usize) {
        if count != self.expected {
            validator.error(self.path, format!("expected {} items, found {count}", self.expected));
            return;
        }
        if !self.valid {
            return;
        }
        if self.nullable {
            validator.doc.odi = Some(self.answers);
        } else {
            let mut items = [0; START_BACK_ITEMS];
            items
                .iter_mut()
                .zip(&self.answers)
                .for_each(|(slot, answer)| *slot = answer.unwrap_or(0));
            validator.doc.start_back = Some(items);
        }
    }
}

/// `plan`.
struct Plan;

impl Entries for Plan {
    fn entry<'de, A: MapAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        if key != "start_date" {
            return unknown_entry(validator, format!("plan.{key}"), key, &["start_date"], map);
        }
        let path = "plan.start_date";
        let value = map.next_value::<Loose<'de>>()?;
        let Loose::Str(text) = &value else {
            validator.error(path, format!("expected an ISO date (YYYY-MM-DD), found {value}"));
            return Ok(());
        };
        let well_formed = text.len() == 10
            && text
                .bytes()
                .enumerate()
                .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
        match text.parse::<Date>() {
            Ok(date) if well_formed && (EARLIEST_START..=LATEST_START).contains(&date) => {
                validator.doc.start_date = Some(date);
            }
            Ok(_) if well_formed => {
                validator
                    .error(path, format!("{value} is outside {EARLIEST_START}..={LATEST_START}"));
            }
            _ => validator.error(path, format!("{value} is not a valid ISO date (YYYY-MM-DD)")),
        }
        Ok(())
    }

    fn end(self, _validator: &mut Validator) {}
}

/// The entries of a follow-up's answers.
struct FollowUp;

impl Entries for FollowUp {
    fn entry<'de, A: MapAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match key {
            "label" => match map.next_value::<Loose<'de>>()? {
                Loose::Str(label) if !label.trim().is_empty() && label.chars().count() <= 64 => {
                    validator.label = Some(label.trim().to_owned());
                }
                other => validator.error(
                    "label",
                    format!("expected a label of 1 to 64 characters, found {other}"),
                ),
            },
            "questionnaires" => {
                let handler = Scalars::with("questionnaires", &["odi", "start_back"]);
                object_entry(validator, "questionnaires", handler, map)?;
            }
            "pain" => object_entry(validator, "pain", Pain, map)?,
            other => {
                let known = &["label", "questionnaires", "pain"];
                unknown_entry(validator, other.to_owned(), other, known, map)?;
            }
        }
        Ok(())
    }

    fn end(self, validator: &mut Validator) {
        if validator.label.is_none() && !validator.errors.iter().any(|e| e.path == "label") {
            validator.error("label", "required");
        }
    }
}

/// A follow-up's pain scores: `back` and `leg`, each a 0–10 numeric rating.
struct Pain;

impl Entries for Pain {
    fn entry<'de, A: MapAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let fact = match key {
            "back" => BACK_PAIN,
            "leg" => LEG_PAIN,
            other => {
                return unknown_entry(
                    validator,
                    format!("pain.{other}"),
                    other,
                    &["back", "leg"],
                    map,
                );
            }
        };
        let value: Loose<'de> = map.next_value()?;
        validator.doc.facts[fact.index()] =
            validator.scalar(|| format!("pain.{key}"), fact.field().ty, &value);
        Ok(())
    }

    fn end(self, _validator: &mut Validator) {}
}
