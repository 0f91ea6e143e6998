//! The inputs a fired rule read, with their values: part of every rationale entry.

use std::borrow::Cow;

use discpath_model::Scalar;
use discpath_model::vocabulary::Field;

use crate::json::{array, boolean, float, integer, object, raw, string};

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

impl InputValue<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Self::Absent => raw(out, b"null"),
            Self::Scalar(field, value) => match value {
                Scalar::Bool(b) => boolean(out, *b),
                Scalar::Int(i) => integer(out, *i),
                Scalar::Number(n) => float(out, *n),
                Scalar::Enum(_) => string(out, field.code(*value).unwrap_or("?")),
            },
            Self::List(items) => array(out, items, |out, item| string(out, item)),
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

impl Inputs<'_> {
    /// Appends the inputs as a JSON object.
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) {
        object(out, self.entries.iter().map(|(name, value)| (name, value)), |out, value| {
            value.write_json(out)
        });
    }
}
