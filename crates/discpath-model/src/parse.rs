//! Parsing and validating an assessment document.
//!
//! The document is validated while serde streams it (from text or from a `serde_json::Value`),
//! field by field, without building a JSON tree: every problem is recorded with the path of its
//! field (`questionnaires.odi[3]: 7 is outside 0..=5`) and the walk goes on, so all of them are
//! reported at once, sorted by path. Unknown fields are errors: a misspelt red flag that were
//! dropped would be a missed red flag.

//!
//! Reading order: [`walk`] is the generic machinery (object and array handlers driven by serde,
//! [`loose`] the values where a scalar is expected), [`sections`] the document's sections,
//! [`plan`] the care plan's dates and [`follow_up`] a follow-up's answers.

mod follow_up;
mod loose;
mod plan;
mod sections;
mod walk;

#[cfg(test)]
pub(crate) use self::plan::MAX_CLOSED_DATES;

use std::ops::Range;
use std::sync::LazyLock;

use serde::de::{DeserializeSeed, Deserializer};
use serde_json::Value;

use self::follow_up::FollowUp;
use self::loose::Loose;
use self::sections::Sections;
use self::walk::{Document, Entries};
use crate::document::Assessment;
use crate::error::{FieldError, InvalidDocument};
use crate::vocabulary::{FIELD_COUNT, FIELDS, Origin, Scalar, ValueType};

/// Parses and validates a JSON assessment document.
pub fn parse(json: &str) -> Result<Assessment, InvalidDocument> {
    read_text(json, Sections::default(), Mode::Complete)?.finish()
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
    read(deserializer, Sections::default(), Mode::Complete).map_err(only_error)?.finish()
}

/// Parses and validates a **partial** assessment document: the answers given so far (a
/// self-assessment between its steps). The shape, types, ranges, codes and unknown fields are
/// checked exactly as [`parse`] checks them, with the same paths; only "required" is not: no
/// section or field is required, and whatever is absent is unanswered (unknown to the engine).
/// An answer that is given must still be whole: a `diagnoses[]` entry needs its `code` and
/// `confirmed_by_imaging`, a questionnaire its full item list. A complete document parses to the
/// same [`Assessment`] as with [`parse`].
pub fn parse_partial(json: &str) -> Result<Assessment, InvalidDocument> {
    read_text(json, Sections::default(), Mode::Partial)?.finish()
}

/// Validates an already-parsed JSON value as a partial assessment document ([`parse_partial`]).
pub fn from_value_partial(value: &Value) -> Result<Assessment, InvalidDocument> {
    from_deserializer_partial(value)
}

/// Validates a partial document ([`parse_partial`]) read by any serde deserializer.
pub fn from_deserializer_partial<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Assessment, InvalidDocument> {
    read(deserializer, Sections::default(), Mode::Partial).map_err(only_error)?.finish()
}

/// The answers given at a follow-up: `{"label": "6 weeks", "questionnaires": {…}, "pain":
/// {"back": 0–10, "leg": 0–10}}`, the questionnaires as in an assessment document.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpAnswers {
    /// The follow-up point, e.g. `6 weeks`.
    pub label: String,
    /// The answers, as a partial document (questionnaires and pain only).
    pub answers: Assessment,
    /// The patient's global impression of change since the start of care (a code of
    /// [`crate::vocabulary::GLOBAL_CHANGE`]), when answered.
    pub global_change: Option<&'static str>,
}

/// Parses and validates a follow-up's answers.
pub fn parse_follow_up(json: &str) -> Result<FollowUpAnswers, InvalidDocument> {
    let mut validator = read_text(json, FollowUp, Mode::Complete)?;
    let label = validator.label.take().unwrap_or_default();
    let global_change = validator.global_change.take();
    Ok(FollowUpAnswers { label, answers: validator.finish()?, global_change })
}

/// Whether every required field must be there (a complete document) or none (a partial one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Complete,
    Partial,
}

/// Validates JSON text with a top-level handler.
fn read_text<H: Entries>(json: &str, handler: H, mode: Mode) -> Result<Validator, InvalidDocument> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let validator = read(&mut deserializer, handler, mode)
        .and_then(|validator| deserializer.end().map(|()| validator).map_err(|e| e.to_string()))
        .map_err(|error| only_error(format!("not valid JSON: {error}")))?;
    Ok(validator)
}

/// Validates a document with a top-level handler; the error is the deserializer's own.
fn read<'de, D: Deserializer<'de>, H: Entries>(
    deserializer: D,
    handler: H,
    mode: Mode,
) -> Result<Validator, String> {
    let mut validator = Validator::new(mode);
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
    /// A follow-up's global impression of change (follow-up answers only).
    global_change: Option<&'static str>,
    /// A follow-up's label (follow-up answers only).
    label: Option<String>,
    mode: Mode,
}

impl Validator {
    fn new(mode: Mode) -> Self {
        Self {
            errors: Vec::new(),
            doc: Assessment {
                facts: [None; FIELD_COUNT],
                diagnoses: Vec::new(),
                answers_diagnoses: false,
                odi: None,
                start_back: None,
                start_date: None,
                closed_dates: Vec::new(),
            },
            label: None,
            global_change: None,
            mode,
        }
    }

    /// Records that a required field or section is absent — in a complete document only: in a
    /// partial one, absent is unanswered.
    fn required(&mut self, path: impl Into<String>) {
        if self.mode == Mode::Complete {
            self.error(path, "required");
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
