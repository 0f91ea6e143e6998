//! The discpath assessment contract (spec/assessment.md, version 1).
//!
//! Reading order: [`vocabulary`] lists every field a document may carry ([`FIELDS`]) and the
//! codes it may use; [`parse`] turns JSON into an [`Assessment`] or an [`InvalidDocument`] that
//! names every field at fault ([`parse_partial`] does the same for the answers given so far, where
//! nothing is required); [`Assessment`] is the validated, typed document the engine reads.
//!
//! This crate does no I/O and knows nothing of the knowledge base, HTTP or SQL.

mod document;
mod error;
mod parse;
pub mod text;
pub mod vocabulary;

pub use document::{Assessment, Diagnosis, DiagnosisCode};
pub use error::{FieldError, InvalidDocument};
pub use parse::{
    FollowUpAnswers, from_deserializer, from_deserializer_partial, from_value, from_value_partial,
    parse, parse_follow_up, parse_partial,
};
pub use vocabulary::{FIELDS, FactId, Pathway, Scalar, ValueType};

#[cfg(test)]
mod tests;
