//! How a command fails, and the exit status each kind of failure gets.

use std::fmt::Display;

/// A failed command.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The input (a document, a knowledge base, a vignette file) is invalid: exit status 2.
    Invalid(String),
    /// Anything else went wrong (a file cannot be read, output cannot be written): exit status 1.
    Failed(String),
    /// The command reported its failures in its output and ends with this status and summary.
    Reported {
        /// The exit status.
        code: u8,
        /// A one-line summary for standard error.
        summary: String,
    },
}

impl Failure {
    /// An I/O or other operational error, with what was being done.
    pub(crate) fn failed(context: impl Display, error: impl Display) -> Self {
        Self::Failed(format!("{context}: {error}"))
    }
}

impl From<discpath_kb::KbError> for Failure {
    fn from(error: discpath_kb::KbError) -> Self {
        match error {
            discpath_kb::KbError::Read { .. } => Self::Failed(error.to_string()),
            discpath_kb::KbError::Invalid(_) => Self::Invalid(error.to_string()),
        }
    }
}
