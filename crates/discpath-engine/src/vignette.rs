//! Clinical vignettes: an assessment document and the fields its recommendation must have.
//!
//! A vignette file is `{name, description, input, expect}`. `expect` lists the fields to check:
//! every key it names must be present in the recommendation with the same value; objects are
//! compared by the keys the vignette names (so fields the contract adds later, such as session
//! dates, do not break a vignette) — an empty object `{}` means the field must be empty — lists
//! element by element and in full, numbers by value.

use std::fmt;

use discpath_kb::KnowledgeBase;
use serde::Deserialize;
use serde_json::Value;

/// One vignette.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vignette {
    /// Its name (the file name without `.json`).
    pub name: String,
    /// What the case is, for people.
    pub description: String,
    /// The assessment document.
    pub input: Value,
    /// The fields the recommendation must have.
    pub expect: Value,
}

/// One field where the recommendation differs from the vignette.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The field's path, e.g. `scores.odi.band` or `red_flags`.
    pub path: String,
    /// What the vignette expects.
    pub expected: Value,
    /// What the recommendation has (`None`: the field is absent).
    pub actual: Option<Value>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.actual {
            Some(actual) => write!(f, "{}: expected {}, got {actual}", self.path, self.expected),
            None => write!(f, "{}: expected {}, but the field is absent", self.path, self.expected),
        }
    }
}

/// Evaluates a vignette's input and lists every expected field that differs (empty: it passes).
pub fn check(kb: &KnowledgeBase, vignette: &Vignette) -> Vec<Difference> {
    let doc = match discpath_model::from_value(&vignette.input) {
        Ok(doc) => doc,
        Err(invalid) => {
            return vec![Difference {
                path: "input".to_owned(),
                expected: Value::String("a valid assessment document".to_owned()),
                actual: Some(Value::String(invalid.to_string())),
            }];
        }
    };
    match serde_json::from_slice::<Value>(&crate::assess(kb, &doc).to_json()) {
        Ok(actual) => differences(&vignette.expect, &actual),
        Err(error) => vec![Difference {
            path: String::new(),
            expected: Value::String("a recommendation in valid JSON".to_owned()),
            actual: Some(Value::String(error.to_string())),
        }],
    }
}

/// Every field of `expected` that `actual` (a recommendation as JSON) does not match.
pub fn differences(expected: &Value, actual: &Value) -> Vec<Difference> {
    let mut differences = Vec::new();
    compare("", expected, actual, &mut differences);
    differences
}

fn compare(path: &str, expected: &Value, actual: &Value, differences: &mut Vec<Difference>) {
    let join = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match (expected, actual) {
        (Value::Object(empty), Value::Object(actual)) if empty.is_empty() && !actual.is_empty() => {
            differences.push(Difference {
                path: path.to_owned(),
                expected: expected.clone(),
                actual: Some(Value::Object(actual.clone())),
            });
        }
        (Value::Object(expected), Value::Object(actual)) => {
            for (key, expected) in expected {
                match actual.get(key) {
                    Some(actual) => compare(&join(key), expected, actual, differences),
                    None => differences.push(Difference {
                        path: join(key),
                        expected: expected.clone(),
                        actual: None,
                    }),
                }
            }
        }
        (Value::Array(expected_items), Value::Array(actual_items))
            if expected_items.len() == actual_items.len() =>
        {
            for (index, (expected, actual)) in expected_items.iter().zip(actual_items).enumerate() {
                compare(&format!("{path}[{index}]"), expected, actual, differences);
            }
        }
        (Value::Number(a), Value::Number(b))
            if a.as_f64().map(f64::to_bits) == b.as_f64().map(f64::to_bits) => {}
        _ if expected == actual => {}
        _ => differences.push(Difference {
            path: path.to_owned(),
            expected: expected.clone(),
            actual: Some(actual.clone()),
        }),
    }
}
