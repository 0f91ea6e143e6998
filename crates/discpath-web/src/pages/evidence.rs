//! Evidence statements as the pages show them: the knowledge base's plain wording, where it
//! comes from, and how sure we can be (its certainty, in the page's language).

use discpath_kb::{Certainty, PatientTexts};

use super::i18n::Texts;

/// One statement on a page.
pub(crate) struct EvidenceView<'a> {
    /// What was found.
    pub text: &'a str,
    /// Where it comes from.
    pub provenance: &'a str,
    /// How sure we can be.
    pub certainty: &'static str,
}

/// The view of a statement, by its id, when the knowledge base words it.
pub(crate) fn view<'a>(
    kb: &'a PatientTexts,
    tr: &'static Texts,
    statement: &str,
    certainty: Certainty,
) -> Option<EvidenceView<'a>> {
    let words = kb.evidence(statement)?;
    let key = match certainty.as_str() {
        "high" => "certainty.high",
        "moderate" => "certainty.moderate",
        "low" => "certainty.low",
        _ => "certainty.very_low",
    };
    Some(EvidenceView { text: &words.text, provenance: &words.provenance, certainty: tr.t(key) })
}
