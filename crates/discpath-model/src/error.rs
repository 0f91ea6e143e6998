//! Validation errors, each naming the path of the field at fault.

use std::fmt;

/// One problem in an assessment document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field's path, e.g. `questionnaires.odi[3]`; empty for the document as a whole.
    pub path: String,
    /// What is wrong, e.g. `7 is outside 0..=5`.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every problem found in a document (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDocument {
    /// The problems, in the order the document's fields were checked.
    pub errors: Vec<FieldError>,
}

impl fmt::Display for InvalidDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid assessment: ")?;
        for (index, error) in self.errors.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidDocument {}
