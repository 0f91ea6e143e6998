//! Loading the built-in knowledge base, and knowledge bases with deliberate errors: each must be
//! rejected with a message naming the file, the line and the rule.

use crate::{KbError, KbFile, embedded_files, load, load_embedded};

fn messages(files: &[KbFile]) -> Vec<String> {
    match load(files) {
        Ok(_) => Vec::new(),
        Err(KbError::Invalid(diagnostics)) => diagnostics.iter().map(ToString::to_string).collect(),
        Err(other) => vec![other.to_string()],
    }
}

/// The built-in files with one edit: `find` (which must occur exactly once) replaced in `file`.
fn edited(file: &str, find: &str, replace: &str) -> Vec<KbFile> {
    let mut files = embedded_files();
    let target = files.iter_mut().find(|f| f.name == file).unwrap();
    assert_eq!(target.text.matches(find).count(), 1, "{find:?} must occur once in {file}");
    target.text = target.text.replacen(find, replace, 1);
    files
}

#[track_caller]
fn rejected(files: &[KbFile], expected: &str) {
    let messages = messages(files);
    assert!(
        messages.iter().any(|m| m == expected),
        "expected the diagnostic\n  {expected}\ngot\n  {}",
        messages.join("\n  ")
    );
}

fn line_of(file: &str, needle: &str) -> usize {
    let text = embedded_files().into_iter().find(|f| f.name == file).unwrap().text;
    text[..text.find(needle).unwrap()].matches('\n').count() + 1
}

#[test]
fn the_built_in_knowledge_base_loads() {
    let kb = match load_embedded() {
        Ok(kb) => kb,
        Err(error) => panic!("{error}"),
    };
    assert_eq!(kb.name, "discpath-clinic-pathway");
    assert_eq!(kb.version, "2.0.0");
    assert!(kb.hash.starts_with("sha256:") && kb.hash.len() == 71, "{}", kb.hash);
    assert_eq!(kb.pathway.len(), 22);
    assert_eq!(kb.red_flags.len(), 26);
    assert_eq!(
        kb.tiers.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        ["emergency", "urgent", "caution"]
    );
    assert!(kb.rules().all(|rule| !rule.sources.is_empty()));
    let ids: std::collections::BTreeSet<&str> = kb.rules().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), kb.rules().count(), "rule ids are unique");
}

#[test]
fn an_unknown_field_names_file_and_line() {
    let files = edited(
        "red_flags.toml",
        "flag = \"fever\"\ntier = \"emergency\"",
        "flag = \"fever\"\nseverity = 3\ntier = \"emergency\"",
    );
    let line = line_of("red_flags.toml", "flag = \"fever\"\ntier = \"emergency\"") + 1;
    let messages = messages(&files);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with(&format!("red_flags.toml:{line}: unknown field `severity`")),
        "{}",
        messages[0]
    );
}

#[test]
fn an_unknown_fact_is_rejected_with_a_suggestion() {
    let files = edited(
        "red_flags.toml",
        "when = { fact = \"red_flags.fever\", is = true }",
        "when = { fact = \"red_flags.fevr\", is = true }",
    );
    let line = line_of("red_flags.toml", "id = \"red_flag.fever\"");
    rejected(
        &files,
        &format!(
            "red_flags.toml:{line}: rule red_flag.fever: unknown fact red_flags.fevr (did you mean red_flags.fever?)"
        ),
    );
}

#[test]
fn a_rule_without_a_source_is_rejected() {
    let files = edited("pathway.toml", "sources = [\"clinic-pathway\", \"S7\"]", "sources = []");
    let line = line_of("pathway.toml", "id = \"pathway.screen.red_flags_incomplete\"");
    rejected(
        &files,
        &format!(
            "pathway.toml:{line}: rule pathway.screen.red_flags_incomplete: the rule has no source (cite clinical-facts sources or clinic-pathway)"
        ),
    );
}

/// Every rule carries a short label, which reports print beside its id (point 34).
#[test]
fn a_rule_without_a_label_is_rejected() {
    let files = edited("pathway.toml", "label = \"The red-flag screen is incomplete\"\n", "");
    let messages = messages(&files);
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("pathway.toml:") && m.contains("missing field `label`")),
        "{messages:?}"
    );
    let files =
        edited("pathway.toml", "label = \"The red-flag screen is incomplete\"", "label = \" \"");
    let line = line_of("pathway.toml", "id = \"pathway.screen.red_flags_incomplete\"");
    rejected(
        &files,
        &format!(
            "pathway.toml:{line}: rule pathway.screen.red_flags_incomplete: the rule has no label"
        ),
    );
    assert!(load_embedded().unwrap().rules().all(|rule| !rule.label.is_empty()));
}

#[test]
fn an_unknown_source_is_rejected() {
    let files =
        edited("pathway.toml", "sources = [\"clinic-pathway\", \"S7\"]", "sources = [\"S9999\"]");
    let line = line_of("pathway.toml", "id = \"pathway.screen.red_flags_incomplete\"");
    rejected(
        &files,
        &format!(
            "pathway.toml:{line}: rule pathway.screen.red_flags_incomplete: unknown source S9999"
        ),
    );
}

#[test]
fn two_rules_with_one_id_are_rejected() {
    let files =
        edited("notes.toml", "id = \"note.fabq_not_recorded\"", "id = \"note.odi_not_scored\"");
    let first = line_of("notes.toml", "id = \"note.odi_not_scored\"");
    let second = line_of("notes.toml", "id = \"note.fabq_not_recorded\"");
    rejected(
        &files,
        &format!(
            "notes.toml:{second}: rule note.odi_not_scored: two rules have the id note.odi_not_scored (the other is at notes.toml:{first})"
        ),
    );
}

#[test]
fn a_shadowed_pathway_rule_is_rejected() {
    // Rule 5 made unconditional: every later rule could never decide.
    let files = edited(
        "pathway.toml",
        "when = { not = { diagnosis = \"any\" } }",
        "when = { always = true }",
    );
    let first = line_of("pathway.toml", "id = \"pathway.no_diagnosis\"");
    let later = line_of("pathway.toml", "id = \"pathway.structural.sequence\"");
    rejected(
        &files,
        &format!(
            "pathway.toml:{later}: rule pathway.structural.sequence: never decides: the earlier rule pathway.no_diagnosis (rule 5 of the pathway, line {first}) always matches when this one does"
        ),
    );
}

#[test]
fn a_narrower_rule_after_a_broader_one_is_rejected() {
    // The default sequence rule moved before the stenosis rule it would shadow.
    let mut files = embedded_files();
    let pathway = files.iter_mut().find(|f| f.name == "pathway.toml").unwrap();
    let start = pathway.text.find("[[rule]]\nid = \"pathway.structural.sequence\"").unwrap();
    let end = pathway.text.find("[[rule]]\nid = \"pathway.non_structural.pt_failed\"").unwrap();
    let sequence = pathway.text[start..end].to_owned();
    pathway.text.replace_range(start..end, "");
    let at = pathway.text.find("[[rule]]\nid = \"pathway.structural.severe_stenosis\"").unwrap();
    pathway.text.insert_str(at, &sequence);
    let messages = messages(&files);
    assert!(
        messages.iter().any(|m| m.contains("rule pathway.structural.severe_stenosis: never decides: the earlier rule pathway.structural.sequence")),
        "{messages:?}"
    );
}

#[test]
fn the_last_pathway_rule_must_always_match() {
    let files = edited(
        "pathway.toml",
        "when = { always = true }",
        "when = { ref = \"definition.pt_failed\" }",
    );
    let messages = messages(&files);
    assert!(
        messages
            .iter()
            .any(|m| m.contains("the last pathway rule must be `when = { always = true }`")),
        "{messages:?}"
    );
}

#[test]
fn type_errors_in_conditions_are_rejected() {
    let files = edited(
        "pathway.toml",
        "{ fact = \"imaging.stenosis\", eq = \"severe\" }",
        "{ fact = \"imaging.stenosis\", gt = 2 }",
    );
    let found = messages(&files);
    assert!(
        found.iter().any(|m| m.ends_with(
            "imaging.stenosis is one of none, mild, moderate, severe: gt does not apply"
        )),
        "{found:?}"
    );
    let files = edited(
        "pathway.toml",
        "{ fact = \"imaging.stenosis\", eq = \"severe\" }",
        "{ fact = \"imaging.stenosis\", eq = \"sever\" }",
    );
    let found = messages(&files);
    assert!(
        found.iter().any(|m| m
            .ends_with("imaging.stenosis: \"sever\" is not one of none, mild, moderate, severe")),
        "{found:?}"
    );
    // A fact compared with another fact must be compared with a number.
    let files = edited(
        "definitions.toml",
        "gte = { fact = \"symptoms.back_pain\" } },\n  ] },\n] }",
        "gte = { fact = \"imaging.stenosis\" } },\n  ] },\n] }",
    );
    let found = messages(&files);
    assert!(
        found.iter().any(|m| m.ends_with(
            "imaging.stenosis is not a number: symptoms.leg_pain cannot be compared with it"
        )),
        "{found:?}"
    );
}

#[test]
fn a_condition_needs_exactly_one_test() {
    let files = edited(
        "notes.toml",
        "{ fact = \"questionnaires.fabq_work\", answered = false }",
        "{ fact = \"questionnaires.fabq_work\", answered = false, lt = 3 }",
    );
    let messages = messages(&files);
    assert!(messages.iter().any(|m| m.contains("needs exactly one of is, eq, in")), "{messages:?}");
}

#[test]
fn an_undefined_or_later_definition_is_rejected() {
    let files = edited(
        "definitions.toml",
        "when = { diagnosis_category = \"structural\" }\nstatement = \"A structural",
        "when = { ref = \"definition.pt_failed\" }\nstatement = \"A structural",
    );
    let messages = messages(&files);
    assert!(
        messages.iter().any(|m| m.contains("rule definition.structural: unknown definition definition.pt_failed (a definition can only use earlier ones)")),
        "{messages:?}"
    );
}

#[test]
fn red_flags_cannot_depend_on_later_stages() {
    // A definition that reads contraindications is known only after the red flags.
    let files = edited(
        "red_flags.toml",
        "when = { fact = \"red_flags.night_pain\", is = true }",
        "when = { ref = \"definition.contraindicated\" }",
    );
    let found = messages(&files);
    assert!(
        found.iter().any(|m| m
            .contains("rule red_flag.night_pain: definition.contraindicated cannot be used here")),
        "{found:?}"
    );
    let files = edited(
        "red_flags.toml",
        "when = { fact = \"red_flags.night_pain\", is = true }",
        "when = { red_flag_tier = \"urgent\" }",
    );
    assert!(messages(&files).iter().any(|m| m.contains("red_flag_tier cannot be used here")));
    // Definitions that read facts only are known first, so red flags may use them.
    let kb = load_embedded().unwrap();
    let facts_only = |id: &str| kb.definitions.iter().find(|d| d.meta.id == id).unwrap().facts_only;
    assert!(facts_only("definition.radicular") && facts_only("definition.cancer"));
    assert!(!facts_only("definition.contraindicated"));
    assert!(!facts_only("definition.conservative_care_exhausted"));
}

#[test]
fn every_source_says_where_to_find_it() {
    let files = edited(
        "sources.toml",
        "url = \"https://cks.nice.org.uk/topics/back-pain-low-without-radiculopathy/\"\n",
        "",
    );
    let line = line_of("sources.toml", "id = \"nice-cks-lbp\"");
    rejected(
        &files,
        &format!(
            "sources.toml:{line}: rule nice-cks-lbp: a source needs a url, a doi or (for a repository document) a document"
        ),
    );
    let files = edited("sources.toml", "doi = \"10.7326/M15-0934\"", "doi = \"M15-0934\"");
    assert!(
        messages(&files).iter().any(|m| m.ends_with("doi M15-0934 is not of the form 10.NNNN/…"))
    );
    let files = edited(
        "sources.toml",
        "label = \"NICE CKS, sciatica (lumbar radiculopathy)\"",
        "label = \"NICE CKS, low back pain without radiculopathy\"",
    );
    assert!(
        messages(&files)
            .iter()
            .any(|m| m.ends_with("source nice-cks-sciatica has the label of source nice-cks-lbp"))
    );
}

#[test]
fn plans_and_reviews_are_checked() {
    let files = edited(
        "pathway.toml",
        "plan = \"care_plan.plan.after_current_decompression\"",
        "plan = \"care_plan.plan.after_current\"",
    );
    assert!(messages(&files).iter().any(|m| m.ends_with(
        "unknown plan care_plan.plan.after_current (care_plan.toml defines the plans)"
    )));
    let files = edited("care_plan.toml", "after_session = 6", "after_session = 30");
    assert!(messages(&files).iter().any(|m| m.contains("after_session must be in 1..=15")));
    let files = edited(
        "care_plan.toml",
        "plan = \"care_plan.plan.self_management\"\nweeks = 6",
        "weeks = 6",
    );
    let found = messages(&files);
    assert!(
        found
            .iter()
            .any(|m| m.ends_with("a review belongs to a therapy or to a plan: give exactly one")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|m| m.ends_with("a plan needs at least one phase or a review")),
        "{found:?}"
    );
}

#[test]
fn evidence_is_held_highest_certainty_first() {
    let kb = load_embedded().unwrap();
    let certainties: Vec<_> = kb.evidence.statements.iter().map(|s| s.meta.certainty).collect();
    assert!(certainties.windows(2).all(|pair| pair[0] <= pair[1]), "{certainties:?}");
    assert_eq!(certainties.first(), Some(&crate::Certainty::Moderate));
    assert_eq!(certainties.last(), Some(&crate::Certainty::VeryLow));
}

#[test]
fn a_care_plan_that_does_not_add_up_is_rejected() {
    let files =
        edited("care_plan.toml", "weekly = [5, 5, 3, 3, 2, 2]", "weekly = [5, 5, 3, 3, 2, 1]");
    let line = line_of("care_plan.toml", "id = \"care_plan.course.decompression\"");
    rejected(
        &files,
        &format!(
            "care_plan.toml:{line}: rule care_plan.course.decompression: weekly adds up to 19, not 20 sessions"
        ),
    );
    let files = edited("care_plan.toml", "sessions = 20", "sessions = 30");
    let found = messages(&files);
    assert!(
        found.iter().any(|m| m.ends_with("30 sessions is outside the allowed 15..=25")),
        "{found:?}"
    );
}

#[test]
fn every_diagnosis_code_needs_a_category() {
    let files = edited("diagnoses.toml", "codes = [\"spondylolisthesis\"]", "codes = []");
    rejected(&files, "diagnoses.toml: diagnosis code spondylolisthesis is in no category");
}

#[test]
fn missing_and_unknown_files_are_rejected() {
    let mut files = embedded_files();
    files.retain(|f| f.name != "notes.toml");
    files.push(KbFile { name: "extra.toml".to_owned(), text: String::new() });
    let messages = messages(&files);
    assert!(messages.contains(&"notes.toml: file is missing".to_owned()), "{messages:?}");
    assert!(messages.iter().any(|m| m.starts_with("extra.toml: unknown file")), "{messages:?}");
}

#[test]
fn a_syntax_error_names_its_line() {
    let files = edited("kb.toml", "version = \"2.0.0\"", "version = 2.0.0");
    let line = line_of("kb.toml", "version = \"2.0.0\"");
    let messages = messages(&files);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].starts_with(&format!("kb.toml:{line}: ")), "{messages:?}");
}

#[test]
fn the_hash_covers_meaning_not_layout() {
    let original = load(&embedded_files()).unwrap().hash;
    let files =
        edited("notes.toml", "# Rationale notes:", "#   Rationale notes (reworded comment):");
    assert_eq!(load(&files).unwrap().hash, original, "a comment does not change the hash");
    let files = edited("care_plan.toml", "sessions = 20\n", "sessions    =    20\n");
    assert_eq!(load(&files).unwrap().hash, original, "layout does not change the hash");
    let files =
        edited("care_plan.toml", "allowed_sessions = [15, 25]", "allowed_sessions = [15, 24]");
    assert_ne!(load(&files).unwrap().hash, original, "a changed range changes the hash");
    let files = edited("kb.toml", "version = \"2.0.0\"", "version = \"2.0.1\"");
    assert_ne!(load(&files).unwrap().hash, original);
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut files =
        edited("pathway.toml", "sources = [\"clinic-pathway\", \"S7\"]", "sources = []");
    let notes = files.iter_mut().find(|f| f.name == "notes.toml").unwrap();
    notes.text =
        notes.text.replace("id = \"note.fabq_not_recorded\"", "id = \"note.odi_not_scored\"");
    assert_eq!(messages(&files).len(), 2);
}
