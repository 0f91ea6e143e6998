//! Parsing and validating an assessment document.
//!
//! The document is read into a `serde_json::Value` and then walked field by field, so that every
//! problem in it is reported at once, each with the path of the field (`questionnaires.odi[3]: 7
//! is outside 0..=5`). Unknown fields are errors: a misspelt red flag that were dropped would be a
//! missed red flag.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use jiff::civil::Date;
use serde_json::{Map, Value};

use crate::document::{Assessment, Diagnosis, DiagnosisCode};
use crate::error::{FieldError, InvalidDocument};
use crate::vocabulary::{
    DIAGNOSIS_CODES, FIELD_COUNT, FIELDS, ODI_ITEM_MAX, ODI_ITEMS, Origin, REQUIRED_SECTIONS,
    SECTIONS, START_BACK_ITEMS, Scalar, ValueType,
};

/// The earliest care-plan start date accepted.
const EARLIEST_START: Date = jiff::civil::date(1900, 1, 1);
/// The latest care-plan start date accepted (far enough from jiff's limits that adding six
/// months to it can never overflow).
const LATEST_START: Date = jiff::civil::date(2999, 12, 31);

/// Parses and validates a JSON assessment document.
pub fn parse(json: &str) -> Result<Assessment, InvalidDocument> {
    match serde_json::from_str::<Value>(json) {
        Ok(value) => from_value(&value),
        Err(error) => Err(InvalidDocument {
            errors: vec![FieldError {
                path: String::new(),
                message: format!("not valid JSON: {error}"),
            }],
        }),
    }
}

/// Validates an already-parsed JSON value as an assessment document.
pub fn from_value(value: &Value) -> Result<Assessment, InvalidDocument> {
    let mut validator = Validator {
        errors: Vec::new(),
        doc: Assessment {
            facts: [None; FIELD_COUNT],
            diagnoses: Vec::new(),
            odi: None,
            start_back: None,
            start_date: None,
        },
    };
    validator.document(value);
    if validator.errors.is_empty() {
        Ok(validator.doc)
    } else {
        Err(InvalidDocument { errors: validator.errors })
    }
}

/// The range of [`FIELDS`] each input section occupies (fields are grouped by section).
static SECTION_RANGES: LazyLock<HashMap<&'static str, Range<usize>>> = LazyLock::new(|| {
    let mut ranges: HashMap<&'static str, Range<usize>> = HashMap::new();
    for (index, field) in FIELDS.iter().enumerate() {
        if field.origin == Origin::Input {
            ranges
                .entry(field.section)
                .and_modify(|r| r.end = index + 1)
                .or_insert(index..index + 1);
        }
    }
    ranges
});

struct Validator {
    errors: Vec<FieldError>,
    doc: Assessment,
}

impl Validator {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError { path: path.into(), message: message.into() });
    }

    fn document(&mut self, value: &Value) {
        let Some(object) = value.as_object() else {
            self.error("", format!("expected a JSON object, found {}", describe(value)));
            return;
        };
        for (key, value) in object {
            match key.as_str() {
                "diagnoses" => self.diagnoses(value),
                "questionnaires" => self.questionnaires(value),
                "plan" => self.plan(value),
                section if SECTION_RANGES.contains_key(section) => {
                    if let Some(object) = self.object(section, value) {
                        self.scalars(section, object, &[]);
                    }
                }
                other => self.unknown(other, other, SECTIONS),
            }
        }
        for section in REQUIRED_SECTIONS {
            if !object.contains_key(*section) {
                self.error(*section, "required");
            }
        }
    }

    fn unknown(&mut self, path: &str, key: &str, known: &[&str]) {
        let hint = known
            .iter()
            .filter(|candidate| strsim::levenshtein(key, candidate) <= 2)
            .min_by_key(|candidate| strsim::levenshtein(key, candidate))
            .map(|candidate| format!(" (did you mean {candidate}?)"))
            .unwrap_or_default();
        self.error(path, format!("unknown field{hint}"));
    }

    fn object<'v>(&mut self, path: &str, value: &'v Value) -> Option<&'v Map<String, Value>> {
        let object = value.as_object();
        if object.is_none() {
            self.error(path, format!("expected an object, found {}", describe(value)));
        }
        object
    }

    /// Checks the scalar fields of one section; `special` keys are handled by the caller.
    fn scalars(&mut self, section: &str, object: &Map<String, Value>, special: &[&str]) {
        let range = SECTION_RANGES.get(section).cloned().unwrap_or(0..0);
        let fields = &FIELDS[range.clone()];
        for (key, value) in object {
            if special.contains(&key.as_str()) {
                continue;
            }
            match fields.iter().position(|f| f.name == key) {
                Some(offset) => {
                    let index = range.start + offset;
                    self.doc.facts[index] =
                        self.scalar(FIELDS[index].path, FIELDS[index].ty, value);
                }
                None => {
                    let known: Vec<&str> =
                        fields.iter().map(|f| f.name).chain(special.iter().copied()).collect();
                    self.unknown(&format!("{section}.{key}"), key, &known);
                }
            }
        }
        for field in fields.iter().filter(|f| f.required && !object.contains_key(f.name)) {
            self.error(field.path, "required");
        }
    }

    fn scalar(&mut self, path: &str, ty: ValueType, value: &Value) -> Option<Scalar> {
        match (ty, value) {
            (ValueType::Bool, Value::Bool(b)) => Some(Scalar::Bool(*b)),
            (ValueType::Integer { min, max }, Value::Number(number)) => {
                let n = number.as_f64().unwrap_or(f64::NAN);
                if n.fract() != 0.0 {
                    self.error(path, format!("expected {ty}, found {number}"));
                    return None;
                }
                // Both bounds are small integers, so comparing as f64 is exact.
                if n < min as f64 || n > max as f64 {
                    self.error(path, format!("{number} is outside {min}..={max}"));
                    return None;
                }
                // In range, hence a small whole number: the cast is exact.
                Some(Scalar::Int(n as i64))
            }
            (ValueType::Number { min, max }, Value::Number(number)) => {
                let n = number.as_f64().unwrap_or(f64::NAN);
                let above = max.is_some_and(|max| n > max);
                if n < min || above || n.is_nan() {
                    let range = match max {
                        Some(max) => format!("{min}..={max}"),
                        None => format!("{min}.."),
                    };
                    self.error(path, format!("{number} is outside {range}"));
                    return None;
                }
                Some(Scalar::Number(n))
            }
            (ValueType::Enum(codes), Value::String(code)) => {
                match codes.iter().position(|c| c == code).and_then(|i| u8::try_from(i).ok()) {
                    Some(index) => Some(Scalar::Enum(index)),
                    None => {
                        self.error(
                            path,
                            format!("{} is not one of {}", describe(value), codes.join(", ")),
                        );
                        None
                    }
                }
            }
            _ => {
                self.error(path, format!("expected {ty}, found {}", describe(value)));
                None
            }
        }
    }

    fn diagnoses(&mut self, value: &Value) {
        let Some(items) = value.as_array() else {
            self.error("diagnoses", format!("expected an array, found {}", describe(value)));
            return;
        };
        for (index, item) in items.iter().enumerate() {
            let path = format!("diagnoses[{index}]");
            let Some(object) = self.object(&path, item) else { continue };
            let mut code = None;
            let mut confirmed = None;
            for (key, value) in object {
                match key.as_str() {
                    "code" => match value.as_str() {
                        Some(text) => match DiagnosisCode::lookup(text) {
                            Some(found) => code = Some(found),
                            None => self.error(
                                format!("{path}.code"),
                                format!(
                                    "{} is not one of {}",
                                    describe(value),
                                    DIAGNOSIS_CODES.join(", ")
                                ),
                            ),
                        },
                        None => self.error(
                            format!("{path}.code"),
                            format!("expected a diagnosis code, found {}", describe(value)),
                        ),
                    },
                    "confirmed_by_imaging" => match value.as_bool() {
                        Some(b) => confirmed = Some(b),
                        None => self.error(
                            format!("{path}.confirmed_by_imaging"),
                            format!("expected true or false, found {}", describe(value)),
                        ),
                    },
                    other => self.unknown(
                        &format!("{path}.{other}"),
                        other,
                        &["code", "confirmed_by_imaging"],
                    ),
                }
            }
            for required in ["code", "confirmed_by_imaging"] {
                if !object.contains_key(required) {
                    self.error(format!("{path}.{required}"), "required");
                }
            }
            if let (Some(code), Some(confirmed_by_imaging)) = (code, confirmed) {
                self.doc.diagnoses.push(Diagnosis { code, confirmed_by_imaging });
            }
        }
    }

    fn questionnaires(&mut self, value: &Value) {
        let Some(object) = self.object("questionnaires", value) else { return };
        self.scalars("questionnaires", object, &["odi", "start_back"]);
        if let Some(odi) = object.get("odi") {
            self.odi(odi);
        }
        if let Some(start_back) = object.get("start_back") {
            self.start_back(start_back);
        }
    }

    fn items<'v>(&mut self, path: &str, value: &'v Value, expected: usize) -> Option<&'v [Value]> {
        let Some(items) = value.as_array() else {
            self.error(
                path,
                format!("expected an array of {expected} items, found {}", describe(value)),
            );
            return None;
        };
        if items.len() != expected {
            self.error(path, format!("expected {expected} items, found {}", items.len()));
            return None;
        }
        Some(items)
    }

    fn item(&mut self, path: &str, index: usize, value: &Value, max: u8) -> Option<u8> {
        let ty = ValueType::Integer { min: 0, max: i64::from(max) };
        match self.scalar(&format!("{path}[{index}]"), ty, value)? {
            Scalar::Int(score) => u8::try_from(score).ok(),
            _ => None,
        }
    }

    fn odi(&mut self, value: &Value) {
        let path = "questionnaires.odi";
        let Some(items) = self.items(path, value, ODI_ITEMS) else { return };
        let mut answers = [None; ODI_ITEMS];
        let mut valid = true;
        for (index, (slot, item)) in answers.iter_mut().zip(items).enumerate() {
            if item.is_null() {
                continue;
            }
            match self.item(path, index, item, ODI_ITEM_MAX) {
                Some(score) => *slot = Some(score),
                None => valid = false,
            }
        }
        if valid {
            self.doc.odi = Some(answers);
        }
    }

    fn start_back(&mut self, value: &Value) {
        let path = "questionnaires.start_back";
        let Some(items) = self.items(path, value, START_BACK_ITEMS) else { return };
        let mut answers = [0; START_BACK_ITEMS];
        let mut valid = true;
        for (index, (slot, item)) in answers.iter_mut().zip(items).enumerate() {
            // Items 1–8 are agree (1) / disagree (0); item 9 is a five-point scale (0–4).
            let max = if index + 1 == START_BACK_ITEMS { 4 } else { 1 };
            match self.item(path, index, item, max) {
                Some(score) => *slot = score,
                None => valid = false,
            }
        }
        if valid {
            self.doc.start_back = Some(answers);
        }
    }

    fn plan(&mut self, value: &Value) {
        let Some(object) = self.object("plan", value) else { return };
        for (key, value) in object {
            if key != "start_date" {
                self.unknown(&format!("plan.{key}"), key, &["start_date"]);
                continue;
            }
            let path = "plan.start_date";
            let Some(text) = value.as_str() else {
                self.error(
                    path,
                    format!("expected an ISO date (YYYY-MM-DD), found {}", describe(value)),
                );
                continue;
            };
            let well_formed = text.len() == 10
                && text
                    .bytes()
                    .enumerate()
                    .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
            match text.parse::<Date>() {
                Ok(date) if well_formed && (EARLIEST_START..=LATEST_START).contains(&date) => {
                    self.doc.start_date = Some(date);
                }
                Ok(_) if well_formed => self.error(
                    path,
                    format!("{} is outside {EARLIEST_START}..={LATEST_START}", describe(value)),
                ),
                _ => self.error(
                    path,
                    format!("{} is not a valid ISO date (YYYY-MM-DD)", describe(value)),
                ),
            }
        }
    }
}

/// A short description of a JSON value for error messages (strings are quoted and truncated).
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.chars().count() > 40 => {
            format!("{:?}…", s.chars().take(40).collect::<String>())
        }
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}
