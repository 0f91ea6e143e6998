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
    assert_eq!(kb.version, "2.1.0");
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
    let files = edited("kb.toml", "version = \"2.1.0\"", "version = 2.1.0");
    let line = line_of("kb.toml", "version = \"2.1.0\"");
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
    let files = edited("kb.toml", "version = \"2.1.0\"", "version = \"2.1.1\"");
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

// --- Patient-facing wording (kb/patient/*.toml) ---------------------------------------------------

/// The built-in files with one entry (`[[list]]` whose next line is `id = "<id>"`, up to the
/// next blank line) removed from a patient file.
fn without_entry(file: &str, list: &str, id: &str) -> Vec<KbFile> {
    let mut files = embedded_files();
    let target = files.iter_mut().find(|f| f.name == file).unwrap();
    let start = target.text.find(&format!("[[{list}]]\nid = \"{id}\"\n")).unwrap();
    let end = start + target.text[start..].find("\n\n").unwrap() + 2;
    target.text.replace_range(start..end, "");
    files
}

#[test]
fn the_patient_texts_word_everything_in_both_languages() {
    use crate::{Language, fill_emergency_number};
    use discpath_model::Pathway;
    let kb = load_embedded().unwrap();
    assert!(crate::FILE_NAMES.iter().any(|name| name.starts_with("patient/")));
    for language in Language::ALL {
        assert!(crate::FILE_NAMES.contains(&language.file()));
        assert_eq!(Language::from_code(language.as_str()), Some(language));
        let texts = kb.patient_texts(language);
        assert_eq!(texts.language, language);
        assert!(!texts.disclaimer.is_empty());
        let therapies: Vec<&str> =
            kb.care_plan.therapies.iter().map(|t| t.therapy.as_str()).collect();
        assert_eq!(
            texts.therapy_intros.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
            therapies
        );
        assert!(texts.therapy_intro("decompression").is_some_and(|t| !t.is_empty()));
        let factors = &texts.comparison.factors;
        assert_eq!(factors.len(), kb.evidence.factors.len());
        assert!(factors.iter().zip(&kb.evidence.factors).all(|((a, _), (b, _))| a == b));
        assert_eq!(texts.comparison.therapies.len(), kb.evidence.therapies.len());
        for (patient, clinician) in texts.comparison.therapies.iter().zip(&kb.evidence.therapies) {
            assert_eq!(patient.id, clinician.id);
            assert_eq!(patient.values.len(), factors.len());
            assert!(!patient.name.is_empty() && patient.values.iter().all(|v| !v.is_empty()));
        }
        assert_eq!(texts.red_flags.len(), kb.red_flags.len());
        for flag in &kb.red_flags {
            let worded = texts.red_flag(&flag.meta.id).unwrap();
            assert!(!worded.title.is_empty() && !worded.text.is_empty(), "{}", flag.meta.id);
        }
        for (index, pathway) in Pathway::ALL.into_iter().enumerate() {
            assert_eq!(crate::patient::pathway_index(pathway), index);
            assert!(!texts.pathway(pathway).is_empty());
        }
        assert_eq!(texts.rules.len(), kb.pathway.len());
        assert!(kb.pathway.iter().all(|rule| texts.rule(&rule.meta.id).is_some()));
        assert!(texts.rule("pathway.nonexistent").is_none());
        assert_eq!(texts.evidence.len(), kb.evidence.statements.len());
        for statement in &kb.evidence.statements {
            let worded = texts.evidence(&statement.meta.id).unwrap();
            assert!(!worded.text.is_empty() && !worded.provenance.is_empty());
        }
    }
    // The clinic's own figures say so, in plain words, wherever they appear.
    for id in
        ["evidence.decompression.clinic_cohort", "evidence.biologic_disc_repair.clinic_reported"]
    {
        let en = kb.patient_texts(Language::En).evidence(id).unwrap();
        assert!(en.provenance.contains("Reported by the clinic, with no group to compare with"));
        let es = kb.patient_texts(Language::Es).evidence(id).unwrap();
        assert!(es.provenance.contains("Dato de la clínica, sin un grupo con el que comparar"));
    }
    // The clinic's figure keeps its provenance in plain words, in both languages.
    let en = kb.patient_texts(Language::En);
    let decompression = &en.comparison.therapies[0];
    assert!(
        decompression.values[2].contains("36.8%")
            && decompression.values[2].contains("clinic's own")
    );
    let aneurysm = en.red_flag("red_flag.suspected_symptomatic_aneurysm").unwrap();
    assert_eq!(
        fill_emergency_number(&aneurysm.title, "911"),
        "Call 911 or go to an emergency room now"
    );
    let es = kb.patient_texts(Language::Es);
    assert!(es.comparison.therapies[0].values[2].contains("36.8 %"));
    assert_eq!(Language::Es.native_name(), "Español");
}

/// A missing wording is an error naming the language and the id (and where the id is defined).
#[test]
fn a_missing_spanish_wording_for_a_red_flag_is_rejected() {
    let files = without_entry("patient/es.toml", "red_flag", "red_flag.fever");
    let line = line_of("red_flags.toml", "id = \"red_flag.fever\"");
    rejected(
        &files,
        &format!(
            "patient/es.toml: no Spanish (es) wording for red flag red_flag.fever (red_flags.toml:{line})"
        ),
    );
    assert_eq!(messages(&files).len(), 1, "{:?}", messages(&files));
    let files = without_entry("patient/en.toml", "rule", "pathway.structural.sequence");
    let line = line_of("pathway.toml", "id = \"pathway.structural.sequence\"");
    rejected(
        &files,
        &format!(
            "patient/en.toml: no English (en) wording for pathway rule pathway.structural.sequence (pathway.toml:{line})"
        ),
    );
    let files = without_entry("patient/es.toml", "pathway", "self_management");
    rejected(&files, "patient/es.toml: no Spanish (es) wording for pathway self_management");
    let files = edited(
        "patient/es.toml",
        "structural_tear = \"Sí, ese es su fin. Ningún estudio que comparó grupos ha mostrado que funcione.\"\n",
        "",
    );
    let line = line_of("patient/es.toml", "id = \"biologic_disc_repair\"");
    rejected(
        &files,
        &format!(
            "patient/es.toml:{line}: no Spanish (es) wording for factor structural_tear of therapy biologic_disc_repair"
        ),
    );
}

#[test]
fn an_unknown_patient_id_is_rejected() {
    let files = edited("patient/es.toml", "id = \"red_flag.fever\"", "id = \"red_flag.fevr\"");
    let line = line_of("patient/es.toml", "id = \"red_flag.fever\"");
    rejected(
        &files,
        &format!(
            "patient/es.toml:{line}: unknown red flag red_flag.fevr (did you mean red_flag.fever?)"
        ),
    );
    assert!(messages(&files).iter().any(|m| m.contains("wording for red flag red_flag.fever")));
    let files =
        edited("patient/en.toml", "id = \"emergency_referral\"", "id = \"emergency_admission\"");
    let line = line_of("patient/en.toml", "id = \"emergency_referral\"");
    let found = messages(&files);
    assert!(
        found.iter().any(|m| m.starts_with(&format!(
            "patient/en.toml:{line}: unknown pathway emergency_admission (one of emergency_referral,"
        ))),
        "{found:?}"
    );
    let files = edited(
        "patient/en.toml",
        "id = \"pathway.no_diagnosis\"",
        "id = \"pathway.no_diagnosis_yet_recorded\"",
    );
    assert!(
        messages(&files)
            .iter()
            .any(|m| m.contains("unknown pathway rule pathway.no_diagnosis_yet_recorded"))
    );
    let files = edited(
        "patient/en.toml",
        "structural_tear = \"No.\"\n\n[[comparison.therapy]]\nid = \"decompression_then_pt\"",
        "tear = \"No.\"\n\n[[comparison.therapy]]\nid = \"decompression_then_pt\"",
    );
    let found = messages(&files);
    assert!(
        found.iter().any(|m| m.ends_with("therapy physical_therapy: unknown factor tear")),
        "{found:?}"
    );
    let files = edited("patient/en.toml", "disclaimer = ", "disclaimers = ");
    assert!(messages(&files).iter().any(|m| m.starts_with("patient/en.toml:") && m.contains("unknown field `disclaimers`")));
}

#[test]
fn patient_texts_are_checked_like_every_other_text() {
    let find = "id = \"urgent_referral\"\ntext = \"";
    let line = line_of("patient/es.toml", find);
    let mut files = edited("patient/es.toml", find, "id = \"urgent_referral\"\ntext = \" \" # \"");
    rejected(&files, &format!("patient/es.toml:{line}: pathway urgent_referral: text is empty"));
    // A placeholder other than {emergency_number}.
    files = edited(
        "patient/en.toml",
        "Call {emergency_number} or go to an emergency room now\"\ntext = \"A lump",
        "Call {emergency} or go to an emergency room now\"\ntext = \"A lump",
    );
    let line = line_of("patient/en.toml", "id = \"red_flag.pulsatile_abdominal_mass\"");
    rejected(
        &files,
        &format!(
            "patient/en.toml:{line}: red flag red_flag.pulsatile_abdominal_mass: title: {{emergency}} is not a placeholder (the only one is {{emergency_number}})"
        ),
    );
    // A heading is one short line.
    files = edited(
        "patient/en.toml",
        "label = \"How it works\"",
        &format!("label = \"{}\"", "How it works ".repeat(8)),
    );
    assert!(messages(&files).iter().any(|m| {
        m.ends_with("factor mechanism: label is a heading: one line of at most 80 characters")
    }));
    // Two wordings for one id.
    let files = edited(
        "patient/es.toml",
        "[[pathway]]\nid = \"clinical_evaluation\"",
        "[[pathway]]\nid = \"urgent_referral\"\ntext = \"Otra vez.\"\n\n[[pathway]]\nid = \"clinical_evaluation\"",
    );
    let found = messages(&files);
    assert!(
        found.iter().any(|m| m.contains(": pathway urgent_referral is worded twice (also at line")),
        "{found:?}"
    );
}

#[test]
fn a_missing_patient_file_is_reported_with_every_other_problem() {
    let mut files =
        edited("pathway.toml", "sources = [\"clinic-pathway\", \"S7\"]", "sources = []");
    files.retain(|f| f.name != "patient/es.toml");
    let found = messages(&files);
    assert!(
        found.contains(&"patient/es.toml: file is missing (the Spanish patient texts)".to_owned()),
        "{found:?}"
    );
    assert!(
        found.iter().any(|m| m
            .ends_with("the rule has no source (cite clinical-facts sources or clinic-pathway)")),
        "{found:?}"
    );
    assert_eq!(found.len(), 2, "{found:?}");
    // A syntax error in a patient file names its line, and the rest is still checked.
    let files = edited("patient/en.toml", "label = \"How it works\"", "label = How it works");
    let line = line_of("patient/en.toml", "label = \"How it works\"");
    let found = messages(&files);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with(&format!("patient/en.toml:{line}: ")), "{found:?}");
}

#[test]
fn the_patient_texts_are_part_of_the_hash_and_of_a_folder() {
    let original = load_embedded().unwrap().hash;
    let files = edited("patient/es.toml", "label = \"Cómo funciona\"", "label = \"Cómo actúa\"");
    assert_ne!(load(&files).unwrap().hash, original, "a patient text changes the hash");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kb");
    let from_dir = crate::dir_files(&dir).unwrap();
    assert_eq!(from_dir, embedded_files(), "a folder is read as the embedded copy is");
    assert_eq!(crate::load_dir(&dir).unwrap().hash, original);
}

#[test]
fn follow_up_windows_are_required_bounded_and_apart() {
    let line = line_of("care_plan.toml", "id = \"care_plan.follow_up.schedule\"");
    let at = format!("care_plan.toml:{line}: rule care_plan.follow_up.schedule");
    let files = edited(
        "care_plan.toml",
        "window = { before_weeks = 2, after_weeks = 2 }",
        "window = { before_weeks = 2, after_weeks = 9 }",
    );
    rejected(
        &files,
        &format!(
            "{at}: follow-ups 3 months and 6 months must come in order, the window of 3 months closing before that of 6 months opens"
        ),
    );
    let files = edited(
        "care_plan.toml",
        "window = { before_weeks = 4, after_weeks = 4 }",
        "window = { before_weeks = 4, after_weeks = 27 }",
    );
    rejected(
        &files,
        &format!("{at}: follow-up 6 months: a window reaches more than 182 days from its date"),
    );
    let files = edited("care_plan.toml", ", window = { before_weeks = 1, after_weeks = 1 }", "");
    let messages = messages(&files);
    assert!(messages.iter().any(|m| m.contains("missing field `window`")), "{messages:?}");
}

#[test]
fn outcome_definitions_are_checked() {
    let line = line_of("outcomes.toml", "id = \"outcome.odi_10_points_6m\"");
    let at = format!("outcomes.toml:{line}: rule outcome.odi_10_points_6m");
    let files = edited(
        "outcomes.toml",
        "absolute_points = 10\nno_escalation = false",
        "absolute_points = 120\nno_escalation = false",
    );
    rejected(&files, &format!("{at}: absolute_points must be more than 0 and at most 100"));
    let files = edited(
        "outcomes.toml",
        "at = [\"3 months\", \"6 months\"]",
        "at = [\"6 months\", \"3 months\"]",
    );
    let line = line_of("outcomes.toml", "id = \"outcome.mcid_3_and_6_months\"");
    rejected(
        &files,
        &format!(
            "outcomes.toml:{line}: rule outcome.mcid_3_and_6_months: at must list the follow-ups in schedule order"
        ),
    );
    let files = edited("outcomes.toml", "measure = \"pain\"\nat", "measure = \"mood\"\nat");
    let line = line_of("outcomes.toml", "id = \"outcome.pain_2_points_or_30_percent_6m\"");
    rejected(
        &files,
        &format!(
            "outcomes.toml:{line}: rule outcome.pain_2_points_or_30_percent_6m: unknown measure mood (odi or pain)"
        ),
    );
    let files = edited(
        "outcomes.toml",
        "default = \"outcome.sustained_improvement_6m\"",
        "default = \"outcome.none\"",
    );
    rejected(&files, "outcomes.toml: the default outcome outcome.none is not defined here");
    let files = edited(
        "outcomes.toml",
        "at = [\"6 months\"]\nabsolute_points = 10",
        "at = [\"baseline\"]\nabsolute_points = 10",
    );
    rejected(&files, &format!("{at}: baseline is the baseline, not a follow-up"));
}

#[test]
fn outcome_references_carry_their_provenance() {
    let kb = load_embedded().unwrap();
    let article =
        kb.outcomes.references.iter().find(|r| r.meta.id == "reference.clinic_article").unwrap();
    assert!((article.rate - 0.368).abs() < 1e-12);
    assert!(
        article.provenance.contains("definition and follow-up not stated"),
        "{}",
        article.provenance
    );
    assert!(
        kb.outcomes
            .references
            .iter()
            .all(|r| !r.provenance.is_empty() && !r.meta.sources.is_empty())
    );
    let line = line_of("outcomes.toml", "id = \"reference.cai_2009\"");
    let files = edited("outcomes.toml", "rate = 0.194", "rate = 19.4");
    rejected(
        &files,
        &format!("outcomes.toml:{line}: rule reference.cai_2009: rate is a share, from 0 to 1"),
    );
}
