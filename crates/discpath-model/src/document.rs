//! The typed assessment document.

use jiff::civil::Date;

use crate::vocabulary::{
    DIAGNOSIS_CODES, FIELD_COUNT, FactId, ODI_ITEMS, Origin, START_BACK_ITEMS, Scalar,
};

/// A validated assessment document: the only way to build one is [`crate::parse`] (or
/// [`crate::from_value`], or their partial forms [`crate::parse_partial`] and
/// [`crate::from_value_partial`]), so every value in it is within the contract's ranges.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub(crate) facts: [Option<Scalar>; FIELD_COUNT],
    pub(crate) diagnoses: Vec<Diagnosis>,
    /// Whether the document gives `diagnoses` (possibly empty), or does not say.
    pub(crate) answers_diagnoses: bool,
    pub(crate) odi: Option<[Option<u8>; ODI_ITEMS]>,
    pub(crate) start_back: Option<[u8; START_BACK_ITEMS]>,
    pub(crate) start_date: Option<Date>,
    /// Sorted, each once.
    pub(crate) closed_dates: Vec<Date>,
}

/// One entry of `diagnoses[]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Diagnosis {
    /// The diagnosis code.
    pub code: DiagnosisCode,
    /// Whether imaging confirmed it.
    pub confirmed_by_imaging: bool,
}

/// A diagnosis code, as its index in [`DIAGNOSIS_CODES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DiagnosisCode(u8);

impl DiagnosisCode {
    /// Resolves a code such as `disc_herniation`.
    pub fn lookup(code: &str) -> Option<Self> {
        DIAGNOSIS_CODES.iter().position(|c| *c == code).and_then(|i| u8::try_from(i).ok()).map(Self)
    }

    /// The code's text.
    pub fn as_str(self) -> &'static str {
        DIAGNOSIS_CODES[usize::from(self.0)]
    }

    /// The position in [`DIAGNOSIS_CODES`].
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

impl Assessment {
    /// The value of an input fact: `None` when the document does not answer it. A field with a
    /// default (`history.*`) reads as its default when absent. Derived facts are always `None`
    /// here; the engine computes them.
    pub fn fact(&self, id: FactId) -> Option<Scalar> {
        let field = id.field();
        match field.origin {
            Origin::Input => self.facts[id.index()].or(field.default),
            Origin::Derived => None,
        }
    }

    /// Whether the document itself answers a fact (defaults do not count).
    pub fn answers(&self, id: FactId) -> bool {
        self.facts[id.index()].is_some()
    }

    /// A copy of the fact table, defaults filled in, for array-indexed evaluation.
    pub fn fact_table(&self) -> [Option<Scalar>; FIELD_COUNT] {
        let mut table = self.facts;
        for (slot, field) in table.iter_mut().zip(crate::vocabulary::FIELDS) {
            if slot.is_none() && field.origin == Origin::Input {
                *slot = field.default;
            }
        }
        table
    }

    /// The diagnoses, in document order.
    pub fn diagnoses(&self) -> &[Diagnosis] {
        &self.diagnoses
    }

    /// Whether the document gives its `diagnoses` list (an empty one counts). An assessment reads
    /// an absent list as "no diagnosis"; a screening of a partial document as "not asked yet".
    pub fn answers_diagnoses(&self) -> bool {
        self.answers_diagnoses
    }

    /// The ten ODI items (`None` = unanswered), if the ODI was given.
    pub fn odi(&self) -> Option<&[Option<u8>; ODI_ITEMS]> {
        self.odi.as_ref()
    }

    /// The nine STarT Back items, if given.
    pub fn start_back(&self) -> Option<&[u8; START_BACK_ITEMS]> {
        self.start_back.as_ref()
    }

    /// The care plan's start date, if given.
    pub fn start_date(&self) -> Option<Date> {
        self.start_date
    }

    /// The days the clinic is closed (`plan.closed_dates`), sorted, each once.
    pub fn closed_dates(&self) -> &[Date] {
        &self.closed_dates
    }
}
