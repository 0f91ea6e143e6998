//! The code table (`terminology.toml`): which ICD-10-CM prefixes and SNOMED CT concepts give
//! which diagnoses, flags and conditions of the assessment contract.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

/// When a Condition counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum When {
    /// Only while it holds (active, recurrence, relapse).
    Active,
    /// Now or in the past.
    Ever,
}

/// One row of the table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Entry {
    #[serde(default)]
    pub icd10: Vec<String>,
    #[serde(default)]
    pub snomed: Vec<String>,
    /// Diagnosis codes it gives.
    #[serde(default)]
    pub diagnoses: Vec<String>,
    /// Contract paths (`conditions.pregnancy`) and the values it gives them.
    #[serde(default)]
    pub sets: BTreeMap<String, toml::Value>,
    pub status: When,
    /// What the codes mean, for the import's account of what it read.
    pub meaning: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    code: Vec<Entry>,
}

/// The table, parsed once. It is embedded and checked by the tests, so a parse error is a
/// build defect; it shows as an empty table (nothing mapped), never as a panic.
static TABLE: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    toml::from_str::<Table>(include_str!("terminology.toml")).map(|t| t.code).unwrap_or_default()
});

/// Every entry.
#[cfg(test)]
pub(crate) fn entries() -> &'static [Entry] {
    &TABLE
}

/// The entries an ICD-10-CM code or a SNOMED CT concept matches.
pub(crate) fn matching<'a>(
    icd10: &[&str],
    snomed: &'a [&'a str],
) -> impl Iterator<Item = &'static Entry> + 'a {
    let icd10: Vec<String> = icd10.iter().map(|code| code.trim().to_ascii_uppercase()).collect();
    TABLE.iter().filter(move |entry| {
        icd10.iter().any(|code| entry.icd10.iter().any(|prefix| code.starts_with(prefix.as_str())))
            || snomed.iter().any(|code| entry.snomed.iter().any(|c| c == code.trim()))
    })
}
