//! Problems found while loading a knowledge base.

use std::fmt;

/// One problem, located by file, line and rule where they are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, e.g. `pathway.toml`.
    pub file: String,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// The rule id, when the problem is inside a rule.
    pub rule: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(rule) = &self.rule {
            write!(f, ": rule {rule}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A knowledge base that cannot be used, with every problem found in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KbError {
    /// The knowledge-base folder could not be read.
    #[error("cannot read knowledge base {path}: {message}")]
    Read {
        /// The folder or file.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The files were read but are not a valid knowledge base.
    #[error("invalid knowledge base: {}", join(.0))]
    Invalid(Vec<Diagnostic>),
}

fn join(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}
