//! Layout (headings, lines, wrapping at 100 columns) and the plain labels of ids: every id the
//! report prints sits in brackets right after its plain label, `Label [id]`, and wrapping never
//! separates the two.

use std::fmt::Write as _;

use discpath_engine::InputValue;
use discpath_kb::KnowledgeBase;
use discpath_model::FactId;
use discpath_model::vocabulary::{MISSING_IDS, diagnosis_label, value_label};

const WIDTH: usize = 100;
pub(super) const INDENT: &str = "    ";

/// Keeps `Label [id]` together when text is wrapped (replaced by a space once wrapped).
const GLUE: char = '\u{a0}';

/// `Label [id]`.
fn labelled(label: &str, id: &str) -> String {
    format!("{label} [{id}]")
}

/// A rule's label with its id beside it: `Structural: decompression, then physical therapy
/// [pathway.structural.sequence]`.
pub(super) fn rule_label(kb: &KnowledgeBase, id: &str) -> String {
    match kb.rule(id) {
        Some(rule) => labelled(&rule.label, id),
        None => id.to_owned(),
    }
}

/// The plain name of a rule's input, with the fact path beside it: `Leg pain (0–10)
/// [symptoms.leg_pain]`. The names that are not fact paths get plain words: `Diagnoses`,
/// `Emergency red flags`, `Minimum red-flag screen [screen.red_flags], unanswered`.
pub(super) fn input_label(kb: &KnowledgeBase, name: &str) -> String {
    if let Some(fact) = FactId::lookup(name) {
        return labelled(fact.field().label, name);
    }
    match name {
        "diagnoses" => return "Diagnoses".to_owned(),
        "diagnoses (confirmed by imaging)" => return "Diagnoses confirmed by imaging".to_owned(),
        _ => {}
    }
    if let Some(tier) = kb.tiers.iter().find(|t| t.input_key == name) {
        return format!("{} red flags", tier.title);
    }
    if let Some(screen) = kb.screens.iter().find(|s| s.input_key == name) {
        return format!("{}, unanswered", labelled(&screen.meta.label, &screen.meta.id));
    }
    name.to_owned()
}

/// The plain label of an id in `missing` or a screen item, with the id beside it.
pub(super) fn item_label(kb: &KnowledgeBase, id: &str) -> String {
    let screened = kb
        .screens
        .iter()
        .flat_map(|screen| &screen.items)
        .find(|item| item.id == id)
        .map(|item| item.fact.field().label);
    let listed = MISSING_IDS.iter().find(|(known, _)| *known == id).map(|(_, label)| *label);
    match screened.or(listed) {
        Some(label) => labelled(label, id),
        None => id.to_owned(),
    }
}

/// One id of a list among a rule's inputs, by what the list holds: a diagnosis code, a red
/// flag, a contraindication or a screen item.
fn list_item(kb: &KnowledgeBase, name: &str, id: &str) -> String {
    if name.starts_with("diagnoses") {
        return diagnosis_label(id).map_or_else(|| id.to_owned(), |label| labelled(label, id));
    }
    if kb.tiers.iter().any(|t| t.input_key == name)
        && let Some(flag) = kb.red_flags.iter().find(|f| f.flag == id)
    {
        return labelled(&flag.label, id);
    }
    if kb.screens.iter().any(|s| s.input_key == name) {
        return item_label(kb, id);
    }
    if let Some(found) = kb.contraindications.iter().find(|c| c.name == id) {
        return labelled(&found.label, id);
    }
    id.to_owned()
}

/// The value a rule read: plain words for codes (`completed with no relief
/// [completed_no_relief]`), labels for the ids of a list.
pub(super) fn show(kb: &KnowledgeBase, name: &str, value: &InputValue<'_>) -> String {
    match value {
        InputValue::Absent => "not answered".to_owned(),
        InputValue::Scalar(field, value) => match field.code(*value) {
            Some(code) if value_label(code) != code => labelled(value_label(code), code),
            _ => field.render(*value),
        },
        InputValue::List(items) if items.is_empty() => "none".to_owned(),
        InputValue::List(items) => {
            items.iter().map(|id| list_item(kb, name, id)).collect::<Vec<_>>().join(", ")
        }
    }
}

/// A certainty in words (`very low`).
pub(super) fn certainty(value: discpath_kb::Certainty) -> String {
    value.as_str().replace('_', " ")
}

pub(super) fn heading(out: &mut String, title: &str) {
    let _ = write!(out, "\n{title}\n");
}

pub(super) fn line(out: &mut String, text: &str) {
    out.push_str(text);
    out.push('\n');
}

/// A list item: `  - text`, continued under the text.
pub(super) fn bullet(out: &mut String, text: &str) {
    wrap_with(out, text, "  - ", INDENT);
}

pub(super) fn wrap(out: &mut String, text: &str, indent: &str) {
    wrap_with(out, text, indent, indent);
}

/// Wraps `text` at 100 columns, `first` before its first line and `rest` before the others; a
/// label and the bracketed id after it stay on one line.
pub(super) fn wrap_with(out: &mut String, text: &str, first: &str, rest: &str) {
    let glued = text.replace(" [", &format!("{GLUE}["));
    let options = textwrap::Options::new(WIDTH)
        .initial_indent(first)
        .subsequent_indent(rest)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .break_words(false);
    for wrapped in textwrap::wrap(&glued, options) {
        line(out, &wrapped.replace(GLUE, " "));
    }
}
