//! The command line: `assess` (report, JSON, batch), `kb check`, `kb test`, `compare`, and
//! `admin create-clinic` / `admin create-user` with several clinics.

use std::process::Output;

use discpath_engine::vignette;
use discpath_store::Store;
use discpath_store::accounts::{self, Clinic};
use discpath_store::audit;
use serde_json::{Value, json};

use crate::support::{discpath, kb_copy, read_json, root, stderr, stdout, vignettes};

#[test]
fn assess_json_gives_every_vignettes_expected_fields() {
    let files = vignettes();
    assert_eq!(files.len(), 70);
    for file in files {
        let case = read_json(&file);
        let output = discpath(&["assess", "--json", "-"], &case["input"].to_string());
        assert!(output.status.success(), "{}: {}", file.display(), stderr(&output));
        let actual: Value = serde_json::from_str(&stdout(&output)).unwrap();
        let differences = vignette::differences(&case["expect"], &actual);
        assert!(differences.is_empty(), "{}: {differences:?}", file.display());
    }
}

#[test]
fn the_report_has_every_section() {
    let case = read_json(&root().join("kb/vignettes/herniation-sequence.json"));
    let output = discpath(&["assess", "-"], &case["input"].to_string());
    assert!(output.status.success(), "{}", stderr(&output));
    let report = stdout(&output);
    for section in [
        "SUMMARY",
        "PATHWAY",
        "RED FLAGS",
        "CONTRAINDICATIONS",
        "SCORES",
        "CARE PLAN",
        "MISSING",
        "WHY: RULES THAT FIRED",
        "EVIDENCE FOR WHAT IS RECOMMENDED (highest certainty first)",
        "SOURCES",
        "INSTRUMENT NOTICES",
        "DISCLAIMER",
    ] {
        assert!(report.contains(&format!("\n{section}\n")), "no {section} in\n{report}");
    }
    assert!(report.contains("Spinal decompression, then physical therapy"));
    assert!(report.contains("44.0% (severe)"));
    assert!(report.contains("Mon 2027-01-04"));
    assert!(report.contains("36.8% sustained improvement at six months in cohort data cited by"));
    assert!(report.contains("not medical advice"));
}

/// The report opens with a two-line plain summary and the disclaimer (point 34).
#[test]
fn the_report_opens_with_a_plain_summary_and_the_disclaimer() {
    let case = read_json(&root().join("kb/vignettes/fever-emergency.json"));
    let report = stdout(&discpath(&["assess", "-"], &case["input"].to_string()));
    let summary: Vec<&str> =
        report.split("\nSUMMARY\n").nth(1).unwrap().split("\n\n").next().unwrap().lines().collect();
    assert!(
        summary[0].starts_with(
            "  Emergency referral. Same-day medical assessment for suspected spinal infection"
        ),
        "{summary:?}"
    );
    let second = summary.iter().position(|l| l.starts_with("  Red flags:")).unwrap();
    assert!(summary[second].contains("A temperature of 38 °C or more"), "{summary:?}");
    let disclaimer = summary[second + 1..].join(" ");
    assert!(disclaimer.contains("Decision support, not a diagnosis"), "{summary:?}");
    assert!(report.find("\nSUMMARY\n").unwrap() < report.find("\nPATHWAY\n").unwrap());
}

/// Negative answers are "asked, absent", unasked screen items are named, and every raw id is
/// shown beside its plain label (point 34).
#[test]
fn the_report_names_what_was_asked_and_what_was_not() {
    let case = read_json(&root().join("kb/vignettes/screen-new-items-unanswered.json"));
    let report = stdout(&discpath(&["assess", "-"], &case["input"].to_string()));
    let flags = report
        .split("\nRED FLAGS\n")
        .nth(1)
        .unwrap()
        .split("\n\n")
        .next()
        .unwrap()
        .replace("\n   ", "")
        .replace("\n  ", " ");
    assert!(flags.contains("Asked, absent: Saddle numbness; Bladder problems;"), "{flags}");
    assert!(flags.contains("Not asked (the screen needs them): Sexual dysfunction [sexual_dysfunction]; Injecting drug use [iv_drug_use]; Malignant spinal tumour [spinal_tumor]."), "{flags}");
    let missing = report.split("\nMISSING\n").nth(1).unwrap().split("\n\n").next().unwrap();
    assert_eq!(
        missing.lines().collect::<Vec<_>>(),
        [
            "  - Injecting drug use [iv_drug_use]",
            "  - Sexual dysfunction [sexual_dysfunction]",
            "  - Malignant spinal tumour [spinal_tumor]"
        ]
    );
    // Red flags, contraindications and options: each id in brackets after its label.
    for name in
        ["cancer-night-pain-urgent", "known-aneurysm-no-flag", "escalation-epidural-offered"]
    {
        let case = read_json(&root().join(format!("kb/vignettes/{name}.json")));
        let json: Value = serde_json::from_str(&stdout(&discpath(
            &["assess", "--json", "-"],
            &case["input"].to_string(),
        )))
        .unwrap();
        let report = stdout(&discpath(&["assess", "-"], &case["input"].to_string()));
        let flat = report.split_whitespace().collect::<Vec<_>>().join(" ");
        for list in ["red_flags", "contraindications", "escalation_options"] {
            for item in json[list].as_array().unwrap() {
                let (label, id) = (item["label"].as_str().unwrap(), item["id"].as_str().unwrap());
                assert!(
                    flat.contains(&format!("{label} [{id}]")),
                    "{name}: {label} [{id}] in\n{report}"
                );
            }
        }
    }
    let case = read_json(&root().join("kb/vignettes/known-aneurysm-no-flag.json"));
    let report = stdout(&discpath(&["assess", "-"], &case["input"].to_string()));
    assert!(report.contains("check that the aneurysm's surveillance"), "{report}");
}

/// Grade 2 spondylolisthesis is not described as mechanical pain (point 34).
#[test]
fn spondylolisthesis_is_not_called_mechanical_pain() {
    for name in ["spondylolisthesis-grade2", "spondylolisthesis-grade2-not-mechanical"] {
        let case = read_json(&root().join(format!("kb/vignettes/{name}.json")));
        let report = stdout(&discpath(&["assess", "-"], &case["input"].to_string()));
        assert!(!report.to_lowercase().contains("mechanical pain"), "{name}:\n{report}");
        assert!(report.contains("Spinal instability (including spondylolisthesis of grade 2 or more) [spinal_instability]"), "{report}");
    }
}

/// Every source the report cites is printed with its URL or DOI (point 33).
#[test]
fn the_report_prints_every_source_with_its_address() {
    let case = read_json(&root().join("kb/vignettes/escalation-epidural-offered.json"));
    let json: Value = serde_json::from_str(&stdout(&discpath(
        &["assess", "--json", "-"],
        &case["input"].to_string(),
    )))
    .unwrap();
    let report = stdout(&discpath(&["assess", "-"], &case["input"].to_string()));
    let sources = report
        .split("\nSOURCES\n")
        .nth(1)
        .unwrap()
        .split("\n\n")
        .next()
        .unwrap()
        .replace("\n    ", " ");
    assert_eq!(sources.lines().count(), json["sources"].as_array().unwrap().len(), "{sources}");
    for source in json["sources"].as_array().unwrap() {
        let address =
            match (source["url"].as_str(), source["doi"].as_str(), source["document"].as_str()) {
                (Some(url), _, _) => url.to_owned(),
                (None, Some(doi), _) => format!("https://doi.org/{doi}"),
                (None, None, Some(document)) => document.to_owned(),
                _ => panic!("{source} has no address"),
            };
        let label = source["label"].as_str().unwrap();
        let line = sources
            .lines()
            .find(|l| l.starts_with(&format!("  - {label}: ")))
            .unwrap_or_else(|| panic!("{label} in\n{sources}"));
        assert!(
            line.replace(' ', "").contains(&address.replace(' ', "")),
            "{line} lacks {address}"
        );
    }
}

#[test]
fn invalid_input_exits_2_naming_the_field() {
    let mut doc = read_json(&root().join("kb/vignettes/herniation-sequence.json"))["input"].clone();
    doc["questionnaires"]["odi"][3] = json!(7);
    doc["red_flags"]["saddle_anaesthesia"] = json!(true);
    let output = discpath(&["assess", "-"], &doc.to_string());
    assert_eq!(output.status.code(), Some(2));
    let error = stderr(&output);
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.contains("questionnaires.odi[3]: 7 is outside 0..=5"), "{error}");
    assert!(
        error.contains(
            "red_flags.saddle_anaesthesia: unknown field (did you mean saddle_anesthesia?)"
        ),
        "{error}"
    );
    assert!(stdout(&output).is_empty());
    // With --json the errors are also on standard output, as JSON.
    let output = discpath(&["assess", "--json", "-"], &doc.to_string());
    assert_eq!(output.status.code(), Some(2));
    let body: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        body["errors"][0],
        json!({"path": "questionnaires.odi[3]", "message": "7 is outside 0..=5"})
    );
}

#[test]
fn not_json_exits_2_and_a_missing_file_exits_1() {
    let output = discpath(&["assess", "-"], "{\"patient\": ");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with("discpath: invalid assessment: not valid JSON"));
    let output = discpath(&["assess", "no-such-file.json"], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("cannot open no-such-file.json"), "{}", stderr(&output));
}

#[test]
fn batch_writes_one_line_per_input_line_in_order() {
    let good =
        read_json(&root().join("kb/vignettes/herniation-sequence.json"))["input"].to_string();
    let urgent =
        read_json(&root().join("kb/vignettes/cancer-alone-urgent.json"))["input"].to_string();
    let input = format!("{good}\n{{\"patient\": {{\"age\": 7}}}}\n\n{urgent}\n");
    let output = discpath(&["assess", "--batch", "-"], &input);
    assert_eq!(output.status.code(), Some(2), "an invalid line fails the run at the end");
    let lines: Vec<Value> =
        stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["pathway"], "decompression_then_pt");
    assert_eq!(lines[1]["line"], 2);
    assert!(lines[1]["error"].as_str().unwrap().contains("patient.age: 7 is outside 18..=120"));
    assert!(lines[1]["error"].as_str().unwrap().contains("symptoms: required"));
    assert_eq!(lines[2]["line"], 3, "an empty line is an invalid document too");
    assert_eq!(lines[3]["pathway"], "urgent_referral");
    assert_eq!(stderr(&output).lines().count(), 1);
    // All valid: exit 0, and each line is the same as the single-document JSON.
    let output = discpath(&["assess", "--batch", "-"], &format!("{good}\n{urgent}"));
    assert!(output.status.success(), "{}", stderr(&output));
    let single = discpath(&["assess", "--json", "-"], &good);
    let single: Value = serde_json::from_str(&stdout(&single)).unwrap();
    let first: Value = serde_json::from_str(stdout(&output).lines().next().unwrap()).unwrap();
    assert_eq!(first, single);
    // A line longer than the reader's 64 KiB buffer, between ordinary ones, and a last line
    // without a newline: each still gives its own output line, in order.
    let padded = good.replacen('{', &format!("{{{}", " ".repeat(200_000)), 1);
    let output = discpath(&["assess", "--batch", "-"], &format!("{good}\n{padded}\n{urgent}"));
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<Value> =
        stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1], single);
    assert_eq!(lines[2]["pathway"], "urgent_referral");
}

#[test]
fn kb_check_reports_identity_or_every_problem() {
    let output = discpath(&["kb", "check"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("ok: discpath-clinic-pathway 2.1.0 (sha256:"));
    let dir = kb_copy();
    let pathway = dir.path().join("pathway.toml");
    let text = std::fs::read_to_string(&pathway).unwrap();
    std::fs::write(
        &pathway,
        text.replace("sources = [\"clinic-pathway\", \"S7\"]", "sources = [\"S404\"]"),
    )
    .unwrap();
    let output = discpath(&["kb", "check", dir.path().to_str().unwrap()], "");
    assert_eq!(output.status.code(), Some(2));
    let report = stdout(&output);
    assert!(
        report.contains("pathway.toml:")
            && report.contains(": rule pathway.screen.red_flags_incomplete: unknown source S404"),
        "{report}"
    );
    // assess with that knowledge base refuses to run.
    let output = discpath(&["--kb", dir.path().to_str().unwrap(), "assess", "-"], "{}");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("invalid knowledge base"), "{}", stderr(&output));
}

#[test]
fn kb_test_runs_the_vignettes_and_shows_differences() {
    let output = discpath(&["kb", "test"], "");
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    assert!(stdout(&output).contains("70 of 70 vignettes pass"));
    // A knowledge base that changes the default plan fails the vignettes that check it.
    let dir = kb_copy();
    let plan = dir.path().join("care_plan.toml");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(
        &plan,
        text.replace("weekly = [2, 2, 2, 2, 2, 2]", "weekly = [2, 2, 2, 2, 2, 1]")
            .replace("sessions = 12", "sessions = 11"),
    )
    .unwrap();
    let vignettes = root().join("kb/vignettes");
    let output =
        discpath(&["kb", "test", dir.path().to_str().unwrap(), vignettes.to_str().unwrap()], "");
    assert_eq!(output.status.code(), Some(1));
    let report = stdout(&output);
    assert!(report.contains("FAIL    herniation-sequence"), "{report}");
    assert!(report.contains("care_plan.phases[1].sessions: expected 12, got 11"), "{report}");
    assert!(report.contains("pass    ces-saddle"), "{report}");
}

#[test]
fn compare_prints_the_seven_factors() {
    let output = discpath(&["compare"], "");
    assert!(output.status.success());
    let table = stdout(&output);
    for row in [
        "Mechanism",
        "Best-fit",
        "Sustained",
        "Typical course",
        "Patient effort",
        "Long-term",
        "Addresses a",
    ] {
        assert!(table.contains(&format!("| {row}")), "{row} missing from\n{table}");
    }
    assert!(table.contains("36.8%") && table.contains("83%") && table.contains("NICE NG59"));
    let output = discpath(&["compare", "--json"], "");
    let body: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let labels: Vec<&str> =
        body["factors"].as_array().unwrap().iter().map(|f| f["label"].as_str().unwrap()).collect();
    assert_eq!(
        labels,
        [
            "Mechanism",
            "Best-fit diagnoses",
            "Sustained improvement at 6 months",
            "Typical course",
            "Patient effort",
            "Long-term self-management",
            "Addresses a structural disc tear",
        ]
    );
    assert_eq!(body["therapies"][0]["values"].as_object().unwrap().len(), 7);
}

/// A new SQLite database URL in `dir` (the file is created by the first command).
fn new_database(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("clinics.sqlite3").display())
}

/// `discpath admin create-clinic --name NAME`.
fn create_clinic(database: &str, name: &str) -> Output {
    discpath(&["admin", "create-clinic", "--database", database, "--name", name], "")
}

/// `discpath admin create-user` for `email`, with `--clinic` when given.
fn create_user(database: &str, email: &str, clinic: Option<&str>) -> Output {
    let mut args =
        vec!["admin", "create-user", "--database", database, "--email", email, "--name", "A User"];
    if let Some(clinic) = clinic {
        args.extend(["--clinic", clinic]);
    }
    discpath(&args, "")
}

/// The id in `created clinic "…" (id ID)`.
fn created_clinic_id(output: &Output) -> String {
    let out = stdout(output);
    let line =
        out.lines().find(|l| l.starts_with("created clinic ")).unwrap_or_else(|| panic!("{out}"));
    line.rsplit_once("(id ").unwrap().1.trim_end_matches(')').to_owned()
}

/// What the database holds: its clinics, oldest first, and each user's e-mail with its clinic id.
struct Holdings {
    clinics: Vec<Clinic>,
    users: Vec<(String, String)>,
    /// The `clinic.create` audit records, as (clinic id, resource).
    clinic_events: Vec<(String, Option<String>)>,
}

fn holdings(database: &str) -> Holdings {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let store = Store::connect(database).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let clinics = accounts::clinics(&mut tx).await.unwrap();
        let (mut users, mut clinic_events) = (Vec::new(), Vec::new());
        for clinic in &clinics {
            for user in accounts::users(&mut tx, &clinic.clinic_id).await.unwrap() {
                users.push((user.email, user.clinic_id));
            }
            for record in
                audit::records(&mut tx, &clinic.clinic_id, audit::AuditQuery::default(), None, 1000)
                    .await
                    .unwrap()
            {
                if record.action == "clinic.create" && record.actor == "cli" {
                    clinic_events.push((record.clinic_id.unwrap(), record.resource));
                }
            }
        }
        tx.commit().await.unwrap();
        store.close().await;
        Holdings { clinics, users, clinic_events }
    })
}

/// `admin create-clinic` adds a second clinic (audited), and `create-user --clinic` finds it by
/// name, ignoring case, or by id (issue 7, point 13).
#[test]
fn admin_create_clinic_then_create_user_in_it_by_name_and_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let database = new_database(&dir);
    let first = create_user(&database, "lead@north.example", Some("North Spine"));
    assert!(first.status.success(), "{}", stderr(&first));
    let north = created_clinic_id(&first);
    let output = create_clinic(&database, "  New Clinic ");
    assert!(output.status.success(), "{}", stderr(&output));
    let id = created_clinic_id(&output);
    assert_eq!(stdout(&output), format!("created clinic \"New Clinic\" (id {id})\n"));
    assert_ne!(id, north);
    let by_name = create_user(&database, "a@new.example", Some("new CLINIC"));
    assert!(by_name.status.success(), "{}", stderr(&by_name));
    assert!(
        stdout(&by_name).starts_with(&format!(
            "created admin a@new.example in clinic \"New Clinic\" (id {id})\n"
        )),
        "{}",
        stdout(&by_name)
    );
    let by_id = create_user(&database, "b@new.example", Some(&id));
    assert!(by_id.status.success(), "{}", stderr(&by_id));
    assert!(stdout(&by_id).contains(&format!("in clinic \"New Clinic\" (id {id})")));
    let held = holdings(&database);
    let names: Vec<&str> = held.clinics.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["North Spine", "New Clinic"]);
    let mut users = held.users.clone();
    users.sort();
    assert_eq!(
        users,
        [
            ("a@new.example".to_owned(), id.clone()),
            ("b@new.example".to_owned(), id.clone()),
            ("lead@north.example".to_owned(), north.clone()),
        ]
    );
    assert!(held.clinic_events.contains(&(id.clone(), Some(id))), "{:?}", held.clinic_events);
    assert!(held.clinic_events.contains(&(north.clone(), Some(north))), "{:?}", held.clinic_events);
    let verify = discpath(&["audit", "verify", "--database", &database], "");
    assert!(verify.status.success(), "{}", stdout(&verify));
}

/// On a database that has a clinic, `--clinic` naming none is refused, naming the choices, and
/// nothing is created (issue 7, point 13).
#[test]
fn admin_create_user_refuses_an_unknown_clinic_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let database = new_database(&dir);
    let first = create_user(&database, "lead@north.example", Some("North Spine"));
    assert!(first.status.success(), "{}", stderr(&first));
    for unknown in ["Unknown", "New Clinic"] {
        let output = create_user(&database, "x@unknown.example", Some(unknown));
        assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
        let error = stderr(&output);
        assert_eq!(error.lines().count(), 1, "{error}");
        assert!(
            error.contains(&format!(
                "clinic: no clinic \"{unknown}\"; create it with discpath admin create-clinic"
            )),
            "{error}"
        );
        assert!(error.contains("\"North Spine\""), "the existing clinics are listed: {error}");
        assert!(stdout(&output).is_empty());
    }
    let held = holdings(&database);
    assert_eq!(held.clinics.len(), 1);
    assert_eq!(held.users.len(), 1, "{:?}", held.users);
}

/// With several clinics `--clinic` is required; with one, the output says it was used (issue 7,
/// point 13).
#[test]
fn admin_create_user_without_clinic_needs_one_when_there_are_several() {
    let dir = tempfile::tempdir().unwrap();
    let database = new_database(&dir);
    let first = create_user(&database, "lead@north.example", Some("North Spine"));
    assert!(first.status.success(), "{}", stderr(&first));
    let only = create_user(&database, "second@north.example", None);
    assert!(only.status.success(), "{}", stderr(&only));
    assert!(
        stdout(&only).lines().next().unwrap().contains("in clinic \"North Spine\" (id ")
            && stdout(&only).contains("the database's only clinic, as --clinic was not given"),
        "{}",
        stdout(&only)
    );
    let second = create_clinic(&database, "South Spine");
    assert!(second.status.success(), "{}", stderr(&second));
    let output = create_user(&database, "third@example.com", None);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let error = stderr(&output);
    assert!(
        error.contains("clinic: the database has 2 clinics; choose one with --clinic"),
        "{error}"
    );
    assert!(error.contains("\"North Spine\"") && error.contains("\"South Spine\""), "{error}");
    let held = holdings(&database);
    assert_eq!(held.users.len(), 2, "{:?}", held.users);
}

/// A clinic name that exists (ignoring case and spaces), an empty one and one with control
/// characters or bidirectional overrides are refused with exit 2, naming the field (issue 7,
/// point 13).
#[test]
fn admin_create_clinic_refuses_duplicate_empty_and_control_character_names() {
    let dir = tempfile::tempdir().unwrap();
    let database = new_database(&dir);
    let output = create_clinic(&database, "New Clinic");
    assert!(output.status.success(), "{}", stderr(&output));
    let duplicate = create_clinic(&database, " new CLINIC ");
    assert_eq!(duplicate.status.code(), Some(2), "{}", stdout(&duplicate));
    assert!(
        stderr(&duplicate).contains("name: a clinic \"New Clinic\" exists"),
        "{}",
        stderr(&duplicate)
    );
    let empty = create_clinic(&database, "  ");
    assert_eq!(empty.status.code(), Some(2));
    assert!(stderr(&empty).contains("name: required"), "{}", stderr(&empty));
    for bad in ["Evil\u{202E}cinilC", "Red\u{1b}[31m Clinic", "Two\nLines", "Iso\u{2066}late"] {
        let output = create_clinic(&database, bad);
        assert_eq!(output.status.code(), Some(2), "{bad:?}: {}", stdout(&output));
        assert!(stderr(&output).contains("name: "), "{bad:?}: {}", stderr(&output));
        assert_eq!(stderr(&output).lines().count(), 1, "{bad:?}: {}", stderr(&output));
    }
    let names: Vec<String> = holdings(&database).clinics.into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["New Clinic"]);
}
