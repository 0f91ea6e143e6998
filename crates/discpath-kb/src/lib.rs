//! The discpath knowledge base: the clinic's decision logic as reviewable data files.
//!
//! Reading order: [`KbFile`] (where files come from: [`embedded_files`] or [`dir_files`]),
//! [`load`] (parse, resolve and check every file, reporting all problems as [`Diagnostic`]s),
//! and the loaded [`KnowledgeBase`] with its [`Condition`] language and its patient-facing
//! wording in each [`Language`] ([`PatientTexts`]).
//!
//! Conditions are a small typed language written as TOML tables — `{ fact = "imaging.stenosis",
//! eq = "severe" }`, `{ all = [...] }`, `{ ref = "definition.structural" }` — checked against the
//! contract's vocabulary when loading, so a rule can never name a fact, code or value that does
//! not exist.

mod citations;
mod diagnostic;
mod files;
mod hash;
mod load;
mod model;
mod patient;
mod raw;
mod text;

pub use citations::{MAX_SOURCES, SourceSet};
pub use diagnostic::{Diagnostic, KbError};
pub use files::{KbFile, dir_files, embedded_files};
pub use load::{FILE_NAMES, load};
pub use model::*;
pub use patient::{
    EMERGENCY_NUMBER, Language, PatientComparison, PatientEvidence, PatientRedFlag, PatientTexts,
    PatientTherapy, fill_emergency_number,
};
pub use text::{EncodingCache, Text, TextList};

/// Loads the knowledge base embedded in the binary (the repository's `kb/` folder).
pub fn load_embedded() -> Result<KnowledgeBase, KbError> {
    load(&embedded_files())
}

/// Loads the knowledge base in a folder.
pub fn load_dir(dir: &std::path::Path) -> Result<KnowledgeBase, KbError> {
    load(&dir_files(dir)?)
}

#[cfg(test)]
mod tests;
