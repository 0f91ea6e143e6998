//! `discpath report outcomes` (issue 11): three episodes of a clinic, hand-computed — one
//! responder, one non-responder, one with its 6-month follow-up unanswered.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{patient_with_episode, vignette_input};
use crate::server::{TestApp, on_both_databases};
use crate::support::{discpath, stdout};

/// Runs `discpath report outcomes` on the app's database with these arguments.
async fn report(app: &TestApp, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<String> =
        ["report", "outcomes", "--database", &app.database_url].map(str::to_owned).to_vec();
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        discpath(&args, "")
    })
    .await
    .unwrap()
}

fn row<'a>(report: &'a Value, dimension: &str, group: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["dimension"] == dimension && r["group"] == group)
        .unwrap_or_else(|| panic!("no row {dimension} {group} in {report}"))
}

on_both_databases!(
    /// Baseline ODI 44% (the assessment's); at 6 months 0% (a responder), 44% (not), or not
    /// answered (missing). The first had a decompression session; the others none.
    the_outcome_report_counts_by_hand,
    async |app: &TestApp| {
        let coordinator = app.user("coordinator").await;
        let clinician = app.user("clinician").await;
        let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let start = today.checked_sub(jiff::Span::new().days(190)).unwrap();
        let mut plans = Vec::new();
        for mrn in ["MRN-O1", "MRN-O2", "MRN-O3"] {
            let (_, episode_id) = patient_with_episode(&coordinator, mrn).await;
            let mut document = vignette_input("herniation-sequence");
            document["plan"] = json!({ "start_date": start.to_string() });
            let (status, assessed) = coordinator.post(&format!("/api/v1/episodes/{episode_id}/assessments"), &document).await;
            assert_eq!(status, StatusCode::CREATED, "{assessed}");
            assert_eq!(assessed["recommendation"]["scores"]["odi"]["percent"], 44.0);
            let assessment_id = assessed["assessment_id"].as_str().unwrap();
            let (status, _) = clinician.post(&format!("/api/v1/assessments/{assessment_id}/decision"), &json!({ "action": "accept" })).await;
            assert_eq!(status, StatusCode::CREATED);
            let (status, plan) = coordinator.post(&format!("/api/v1/assessments/{assessment_id}/care-plan"), &json!({})).await;
            assert_eq!(status, StatusCode::CREATED, "{plan}");
            assert_eq!(plan["follow_ups"][3]["state"], "overdue", "{plan}");
            plans.push((episode_id, plan));
        }
        let six_months = |odi: Value| json!({ "label": "6 months", "questionnaires": { "odi": odi }, "pain": { "back": 2, "leg": 1 } });
        for ((episode_id, _), odi) in plans.iter().zip([json!([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), json!([3, 2, 3, 2, 3, 2, 2, 1, 2, 2])]) {
            let (status, response) = coordinator.post(&format!("/api/v1/episodes/{episode_id}/follow-ups"), &six_months(odi)).await;
            assert_eq!(status, StatusCode::CREATED, "{response}");
        }
        let plan = &plans[0].1;
        let (plan_id, session_id) = (plan["care_plan"]["care_plan_id"].as_str().unwrap(), plan["sessions"][0]["care_session_id"].as_str().unwrap());
        let (status, _) = coordinator.patch(&format!("/api/v1/care-plans/{plan_id}/sessions/{session_id}"), &json!({ "status": "attended" })).await;
        assert_eq!(status, StatusCode::OK);

        let output = report(app, &["--json"]).await;
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let report_json: Value = serde_json::from_str(&stdout(&output)).unwrap();
        assert_eq!(report_json["definition"]["id"], "outcome.sustained_improvement_6m");
        assert_eq!(report_json["definition"]["version"], 1);
        assert_eq!(report_json["episodes"], 3);
        let sequence = row(&report_json, "pathway", "decompression_then_pt");
        assert_eq!((sequence["n"].clone(), sequence["responders"].clone(), sequence["non_responders"].clone(), sequence["missing"].clone()), (json!(3), json!(1), json!(1), json!(1)));
        assert_eq!(sequence["rate"], 0.5);
        let close = |value: &Value, expected: f64| (value.as_f64().unwrap() - expected).abs() < 1e-9;
        assert!(close(&sequence["completeness"], 2.0 / 3.0), "{sequence}");
        assert!(close(&sequence["rate_missing_as_non_responders"], 1.0 / 3.0), "{sequence}");
        assert!(close(&sequence["rate_missing_as_responders"], 2.0 / 3.0), "{sequence}");
        // Wilson 95% of 1 in 2: 0.0945 to 0.9055.
        assert!((sequence["interval"]["low"].as_f64().unwrap() - 0.0945).abs() < 5e-5, "{sequence}");
        assert_eq!(row(&report_json, "therapy", "decompression")["responders"], 1);
        let none = row(&report_json, "therapy", "none");
        assert_eq!((none["n"].clone(), none["non_responders"].clone(), none["missing"].clone()), (json!(2), json!(1), json!(1)));
        assert_eq!(row(&report_json, "diagnosis", "structural")["n"], 3);

        // The same as a table, as CSV; another definition by id; an unknown one is refused.
        let table = stdout(&report(app, &[]).await);
        assert!(table.contains("Definition: outcome.sustained_improvement_6m v1 — Sustained improvement at 6 months"), "{table}");
        assert!(table.contains("50.0%") && table.contains("9.5–90.5%") && table.contains("33.3%–66.7%"), "{table}");
        eprintln!("{table}");
        let csv = stdout(&report(app, &["--csv"]).await);
        assert!(csv.starts_with("definition,version,dimension,group,n,responders,"), "{csv}");
        assert!(csv.contains("\noutcome.sustained_improvement_6m,1,pathway,decompression_then_pt,3,1,1,1,0.500000,"), "{csv}");
        assert!(csv.contains("\nreference.clinic_article,,reference,The clinic's article: decompression cohort,,,,,0.368000,"), "{csv}");
        let article = report_json["references"].as_array().unwrap().iter().find(|r| r["id"] == "reference.clinic_article").unwrap();
        assert_eq!(article["provenance"], "cohort data cited by the clinic's article; definition and follow-up not stated; uncontrolled");
        assert!(table.contains("36.8%"), "{table}");
        let pain = report(app, &["--json", "--definition", "outcome.pain_2_points_or_30_percent_6m"]).await;
        let pain: Value = serde_json::from_str(&stdout(&pain)).unwrap();
        // Baseline pain: the worse of back 6 and leg 7; at 6 months 2: both answered improved.
        assert_eq!(row(&pain, "pathway", "decompression_then_pt")["responders"], 2);
        let dir = tempfile::tempdir().unwrap();
        let svg = dir.path().join("funnel.svg");
        let output = report(app, &["--funnel", svg.to_str().unwrap()]).await;
        assert!(output.status.success());
        let svg = std::fs::read_to_string(&svg).unwrap();
        assert!(svg.contains("Test clinician: 1 of 2 (50.0%)") && svg.matches("<polyline").count() == 4, "{svg}");
        let refused = report(app, &["--definition", "outcome.none"]).await;
        assert_eq!(refused.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&refused.stderr).contains("definition: no outcome \"outcome.none\""));
    }
);
