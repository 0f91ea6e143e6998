//! Layout (headings, lines, wrapping at 100 columns) and the plain labels of ids.

use std::fmt::Write as _;

use discpath_engine::InputValue;
use discpath_kb::KnowledgeBase;
use discpath_model::FactId;
use discpath_model::vocabulary::MISSING_IDS;

const WIDTH: usize = 100;
pub(super) const INDENT: &str = "    ";

/// The plain label of a fact path, with the path beside it: `Leg pain now … [symptoms.leg_pain]`.
/// Names that are not fact paths (`diagnoses`, `red_flags (emergency)`) are already plain.
pub(super) fn input_label(name: &str) -> String {
    match FactId::lookup(name) {
        Some(fact) => format!("{} [{name}]", fact.field().label),
        None => name.to_owned(),
    }
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
        Some(label) => format!("{label} [{id}]"),
        None => id.to_owned(),
    }
}

pub(super) fn show(value: &InputValue<'_>) -> String {
    match value {
        InputValue::Absent => "not answered".to_owned(),
        InputValue::Scalar(field, value) => field.render(*value),
        InputValue::List(items) if items.is_empty() => "none".to_owned(),
        InputValue::List(items) => items.join(", "),
    }
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

fn wrap_with(out: &mut String, text: &str, first: &str, rest: &str) {
    let options = textwrap::Options::new(WIDTH)
        .initial_indent(first)
        .subsequent_indent(rest)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .break_words(false);
    for wrapped in textwrap::wrap(text, options) {
        line(out, &wrapped);
    }
}
