//! The patient-facing wording of the knowledge base, in each language the patient pages speak
//! (`kb/patient/en.toml`, `kb/patient/es.toml`).
//!
//! Each text says in plain words what a clinician text of the knowledge base says: the therapy
//! comparison, what the therapies are, the disclaimer, every red flag (what to do, and what the
//! symptom may mean), every pathway and every pathway rule. Loading checks that every one of them
//! has a wording in every language, so a page can look any of them up and always find it.

use std::fmt;

use discpath_model::Pathway;

use crate::text::Text;

/// The placeholder a patient text may contain: the page puts the clinic's emergency number
/// (911, 112, 999 …) in its place. It is the only placeholder.
pub const EMERGENCY_NUMBER: &str = "{emergency_number}";

/// A patient text with the clinic's emergency number in place of [`EMERGENCY_NUMBER`] (the
/// caller escapes the result for the page, as for any text).
pub fn fill_emergency_number(text: &str, number: &str) -> String {
    text.replace(EMERGENCY_NUMBER, number)
}

/// A language of the patient pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Language {
    /// English.
    En,
    /// Spanish (neutral Latin American, "usted").
    Es,
}

impl Language {
    /// Every language, in the order of [`crate::KnowledgeBase::patient`].
    pub const ALL: [Self; 2] = [Self::En, Self::Es];

    /// The language code (BCP 47 primary subtag): `en`, `es`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Es => "es",
        }
    }

    /// The language with this code (`en`, `es`), if the pages speak it.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|language| language.as_str() == code)
    }

    /// Its name in English, as diagnostics give it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Es => "Spanish",
        }
    }

    /// Its name in itself, as a language switch shows it.
    pub const fn native_name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Es => "Español",
        }
    }

    /// The knowledge-base file of its texts: `patient/en.toml`.
    pub const fn file(self) -> &'static str {
        match self {
            Self::En => "patient/en.toml",
            Self::Es => "patient/es.toml",
        }
    }

    /// Its position in [`Language::ALL`].
    pub(crate) const fn index(self) -> usize {
        match self {
            Self::En => 0,
            Self::Es => 1,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The patient-facing texts in one language. Every list is complete and in the knowledge base's
/// order, which loading guarantees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientTexts {
    /// Their language.
    pub language: Language,
    /// The disclaimer ([`crate::KnowledgeBase::disclaimer`]) in plain words.
    pub disclaimer: Text,
    /// What each therapy of the care plan is, in [`crate::CarePlan::therapies`] order:
    /// `(therapy, text)`.
    pub therapy_intros: Vec<(String, Text)>,
    /// The therapy comparison.
    pub comparison: PatientComparison,
    /// One per red-flag rule, in [`crate::KnowledgeBase::red_flags`] order.
    pub red_flags: Vec<PatientRedFlag>,
    /// What each pathway means for the patient, in one sentence, in [`Pathway::ALL`] order.
    pub pathways: [Text; Pathway::ALL.len()],
    /// Why each pathway rule's result fits, in [`crate::KnowledgeBase::pathway`] order:
    /// `(rule id, text)`.
    pub rules: Vec<(String, Text)>,
    /// Every evidence statement in plain words, in [`crate::Evidence::statements`] order
    /// (highest certainty first).
    pub evidence: Vec<PatientEvidence>,
}

impl PatientTexts {
    /// Texts with nothing in them, held where a file could not be loaded (the knowledge base is
    /// then rejected, so they are never seen).
    pub(crate) fn empty(language: Language) -> Self {
        Self {
            language,
            disclaimer: Text::new(""),
            therapy_intros: Vec::new(),
            comparison: PatientComparison { factors: Vec::new(), therapies: Vec::new() },
            red_flags: Vec::new(),
            pathways: Pathway::ALL.map(|_| Text::new("")),
            rules: Vec::new(),
            evidence: Vec::new(),
        }
    }

    /// What a therapy of the care plan (`decompression`, `physical_therapy`) is.
    pub fn therapy_intro(&self, therapy: &str) -> Option<&Text> {
        self.therapy_intros.iter().find(|(id, _)| id == therapy).map(|(_, text)| text)
    }

    /// The wording of a red-flag rule (`red_flag.fever`, as in [`crate::RuleMeta::id`]).
    pub fn red_flag(&self, rule_id: &str) -> Option<&PatientRedFlag> {
        self.red_flags.iter().find(|flag| flag.id == rule_id)
    }

    /// What a pathway means for the patient, in one sentence.
    pub fn pathway(&self, pathway: Pathway) -> &Text {
        &self.pathways[pathway_index(pathway)]
    }

    /// Why a pathway rule's result fits (`pathway.structural.sequence`, as in a
    /// recommendation's `decided_by`).
    pub fn rule(&self, rule_id: &str) -> Option<&Text> {
        self.rules.iter().find(|(id, _)| id == rule_id).map(|(_, text)| text)
    }

    /// The plain wording of an evidence statement (`evidence.decompression.nice_ng59`).
    pub fn evidence(&self, statement_id: &str) -> Option<&PatientEvidence> {
        self.evidence.iter().find(|entry| entry.id == statement_id)
    }
}

/// The position of a pathway in [`Pathway::ALL`], which lists the variants in declaration order.
pub(crate) const fn pathway_index(pathway: Pathway) -> usize {
    pathway as usize
}

/// The comparison in plain words: the same factors and therapies as [`crate::Evidence`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientComparison {
    /// One label per factor, in [`crate::Evidence::factors`] order: `(factor id, label)`.
    pub factors: Vec<(String, Text)>,
    /// One column per compared therapy, in [`crate::Evidence::therapies`] order.
    pub therapies: Vec<PatientTherapy>,
}

/// One column of the comparison, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientTherapy {
    /// The compared therapy's id ([`crate::ComparedTherapy::id`]).
    pub id: String,
    /// Its name.
    pub name: Text,
    /// One value per factor, in factor order.
    pub values: Vec<Text>,
}

/// A red flag for the patient: what to do, and what the symptom may mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientRedFlag {
    /// The red-flag rule's id (`red_flag.fever`).
    pub id: String,
    /// What to do, with the flag's own urgency and place ("Go to an emergency room now or call
    /// {emergency_number}"): a care card's heading.
    pub title: Text,
    /// What the symptom may mean, in one calm sentence.
    pub text: Text,
}

/// An evidence statement for the patient: what was found, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientEvidence {
    /// The statement's id (`evidence.decompression.clinic_cohort`).
    pub id: String,
    /// What was found, in plain words, with the figure exactly as the statement gives it.
    pub text: Text,
    /// Where it comes from and how far it can be trusted ("The clinic's own figure, with no
    /// group to compare with").
    pub provenance: Text,
}
