//! The terminal report (`discpath assess FILE`): every raw id it prints sits beside its plain
//! label (point 34).
//!
//! The check reads the report one entry at a time (a list item, or the lines of a section
//! between list items, with their wrapped lines joined), and finds every token that looks like an id: lowercase words joined by `_`
//! or `.` (`red_flag.fever`, `disc_herniation`), leaving out web addresses and file paths. Each
//! one must be in brackets right after one of its plain labels — `Fever [red_flags.fever]` — or,
//! in a list item about the same thing, after that item's label. The labels come from the
//! knowledge base and the vocabulary, not from the report's code, so an id printed alone, or
//! beside some other text, fails.

use std::collections::BTreeMap;

use discpath_kb::KnowledgeBase;
use discpath_model::Pathway;
use discpath_model::vocabulary::{
    DIAGNOSIS_CODES, DIAGNOSIS_LABELS, FIELDS, MISSING_IDS, VALUE_LABELS,
};

use crate::support::{discpath, read_json, root, stderr, stdout, vignettes};

/// Every id a report may print, with the plain labels that may stand beside it.
fn labels(kb: &KnowledgeBase) -> BTreeMap<String, Vec<String>> {
    let mut labels: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |id: &str, label: &str| {
        labels.entry(id.to_owned()).or_default().push(label.to_owned());
    };
    for rule in kb.rules() {
        add(&rule.id, &rule.label);
    }
    for flag in &kb.red_flags {
        add(&flag.flag, &flag.label);
    }
    for found in &kb.contraindications {
        add(&found.name, &found.label);
    }
    for option in &kb.escalation.options {
        add(&option.option, &option.label);
    }
    for item in kb.screens.iter().flat_map(|screen| &screen.items) {
        add(&item.id, item.fact.field().label);
    }
    for field in FIELDS {
        add(field.path, field.label);
    }
    for (code, label) in DIAGNOSIS_CODES.iter().zip(DIAGNOSIS_LABELS) {
        add(code, label);
    }
    for (id, label) in MISSING_IDS.iter().chain(VALUE_LABELS) {
        add(id, label);
    }
    for pathway in Pathway::ALL {
        add(pathway.as_str(), pathway.title());
    }
    labels
}

/// The report's entries: a list item, or the lines between headings, blank lines and list
/// items, joined as one text — so a label wrapped onto the line before its id still counts as
/// beside it (a word wrapped after a `/` or a dash, as in a web address or `(0–10)`, is joined
/// back without a space).
fn entries(report: &str) -> Vec<String> {
    let mut entries: Vec<String> = Vec::new();
    let mut open = false;
    for line in report.lines() {
        let trimmed = line.trim();
        let heading = !line.starts_with(' ');
        if trimmed.is_empty() || heading || trimmed.starts_with("- ") || !open {
            entries.push(trimmed.to_owned());
            open = !trimmed.is_empty() && !heading;
            continue;
        }
        let text = entries.last_mut().unwrap();
        if !text.ends_with(['/', '-', '–']) {
            text.push(' ');
        }
        text.push_str(trimmed);
    }
    entries.retain(|entry| !entry.is_empty());
    entries
}

/// Whether a token is shaped like an id: lowercase words joined by `_` or `.`, each dotted part
/// at least two characters (so `e.g` is not one).
fn looks_like_id(token: &str) -> bool {
    let starts_with_letter = token.starts_with(|c: char| c.is_ascii_lowercase());
    let joined = token.contains('_') || token.contains('.');
    let parts_ok = token.split('.').all(|part| part.len() >= 2 && !part.starts_with('_'));
    starts_with_letter && joined && parts_ok && !token.ends_with('_')
}

/// Every id printed without its label in one entry, with the reason.
fn unlabelled(entry: &str, labels: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    // Leave out web addresses and paths.
    let text: String =
        entry.split_whitespace().filter(|word| !word.contains('/')).collect::<Vec<_>>().join(" ");
    let is_id_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.';
    let mut problems = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        if !is_id_char(chars[i].1) || (i > 0 && chars[i - 1].1.is_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = chars[i].0;
        let mut j = i;
        while j < chars.len() && (is_id_char(chars[j].1) || chars[j].1.is_alphanumeric()) {
            j += 1;
        }
        let end = chars.get(j).map_or(text.len(), |(at, _)| *at);
        i = j;
        let token = text[start..end].trim_end_matches('.');
        if !looks_like_id(token) {
            continue;
        }
        let bracketed =
            text[..start].ends_with('[') && text[start + token.len()..].starts_with(']');
        if !bracketed {
            problems.push(format!("{token} is printed alone in: {entry}"));
            continue;
        }
        let before = text[..start - 1].trim_end();
        let Some(known) = labels.get(token) else {
            problems.push(format!("{token} has no known label, in: {entry}"));
            continue;
        };
        let beside = known.iter().any(|label| {
            let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
            before.ends_with(&label) || text.starts_with(&format!("- {label} ["))
        });
        if !beside {
            problems.push(format!("{token} is not beside its label ({known:?}) in: {entry}"));
        }
    }
    problems
}

fn report_of(input: &serde_json::Value) -> String {
    let output = discpath(&["assess", "-"], &input.to_string());
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
}

/// The check is not vacuous: lines of the 2.0.0 report before this fix fail it, and their
/// labelled forms pass.
#[test]
fn the_label_check_catches_bare_ids() {
    let kb = discpath_kb::load_embedded().unwrap();
    let labels = labels(&kb);
    for bad in [
        "decided by pathway.red_flag.emergency · evidence certainty moderate",
        "- Evaluation for biologic disc repair (intradiscal fibrin, off-label) \
         [biologic_disc_repair_evaluation]: excluded (exclusion.biologic_disc_repair.radicular_pain)",
        "[red_flag.fever] certainty low",
        "read: red_flags (emergency) = fever",
        "read: screen.red_flags (unanswered) = fever",
        "read: diagnoses = disc_herniation",
        "read: Physical therapy so far [history.physical_therapy] = completed_no_relief",
        "decided by Fever [pathway.red_flag.emergency]",
    ] {
        assert!(!unlabelled(bad, &labels).is_empty(), "not caught: {bad}");
    }
    for good in [
        "Decided by: An emergency red flag [pathway.red_flag.emergency] · evidence certainty \
         moderate",
        "read: Emergency red flags = A temperature of 38 °C or more without another explanation \
         [fever]; Diagnoses = Disc herniation [disc_herniation]",
        "(e.g. foot drop) see https://doi.org/10.1002/14651858.CD003010.pub5 and spec/assessment.md",
    ] {
        assert_eq!(unlabelled(good, &labels), Vec::<String>::new(), "{good}");
    }
}

/// Every id in the report of every vignette sits beside its plain label: rules (the deciding
/// rule, the rationale, the evidence, the exclusions of an escalation option), red flags,
/// contraindications, screen items, diagnoses, fact paths and codes.
#[test]
fn the_report_prints_ids_only_beside_their_labels() {
    let kb = discpath_kb::load_embedded().unwrap();
    let labels = labels(&kb);
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in vignettes() {
        let case = read_json(&file);
        let report = report_of(&case["input"]);
        for entry in entries(&report) {
            checked += entry.matches(']').count();
            for problem in unlabelled(&entry, &labels) {
                problems.push(format!("{}: {problem}", file.display()));
            }
        }
    }
    assert!(checked > 1000, "only {checked} bracketed ids were checked");
    assert!(
        problems.is_empty(),
        "{} ids without their label:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The places the review named, in plain words: the deciding rule, an excluded option's
/// exclusions, a rule's header, and the inputs that are not fact paths.
#[test]
fn the_report_names_rules_and_inputs_in_plain_words() {
    let flat = |report: &str| report.split_whitespace().collect::<Vec<_>>().join(" ");
    let case = read_json(&root().join("kb/vignettes/fever-emergency.json"));
    let report = flat(&report_of(&case["input"]));
    assert!(
        report.contains("Decided by: An emergency red flag [pathway.red_flag.emergency]"),
        "{report}"
    );
    assert!(
        report.contains(
            "A temperature of 38 °C or more without another explanation [red_flag.fever]"
        ),
        "{report}"
    );
    assert!(report.contains("Emergency red flags = A temperature of 38 °C"), "{report}");
    assert!(!report.contains("red_flags (emergency)"), "{report}");

    let case = read_json(&root().join("kb/vignettes/biologic-repair-excluded-radicular.json"));
    let report = flat(&report_of(&case["input"]));
    assert!(
        report.contains("excluded: Radicular pain [exclusion.biologic_disc_repair.radicular_pain]"),
        "{report}"
    );
    assert!(report.contains("Diagnoses = "), "{report}");
    assert!(!report.contains("diagnoses ="), "{report}");

    let case = read_json(&root().join("kb/vignettes/screen-incomplete.json"));
    let report = flat(&report_of(&case["input"]));
    assert!(
        report.contains("Minimum red-flag screen [screen.red_flags], unanswered = "),
        "{report}"
    );
    assert!(!report.contains("screen.red_flags (unanswered)"), "{report}");

    let case = read_json(&root().join("kb/vignettes/non-structural-pt-failed.json"));
    let report = flat(&report_of(&case["input"]));
    assert!(
        report.contains(
            "Physical therapy so far [history.physical_therapy] = completed with no relief \
             [completed_no_relief]"
        ),
        "{report}"
    );
}
