//! What a clinic shows and hands out about one patient's course: the timeline page (server-drawn
//! SVG charts and the events table) and the printable summary (a PDF read back by `pdftotext`),
//! both audited reads.

use reqwest::StatusCode;
use serde_json::json;

use crate::api::{patient_with_episode, vignette_input};
use crate::audit_trail::records;
use crate::server::{Client, TestApp, on_both_databases};

/// A patient assessed, overridden to physical therapy with a reason, the course booked from
/// 2027-01-04, the first session attended, the six-week follow-up answered: (patient, episode,
/// care plan).
async fn course(clinician: &Client) -> (String, String, String) {
    let (patient_id, episode_id) = patient_with_episode(clinician, "PRINT-1").await;
    let (_, assessment) = clinician
        .post(
            &format!("/api/v1/episodes/{episode_id}/assessments"),
            &vignette_input("herniation-sequence"),
        )
        .await;
    let assessment_id = assessment["assessment_id"].as_str().unwrap();
    let decision = json!({ "action": "override", "pathway": "physical_therapy", "reason": "Prefers active care" });
    let (status, body) =
        clinician.post(&format!("/api/v1/assessments/{assessment_id}/decision"), &decision).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, plan) = clinician
        .post(
            &format!("/api/v1/assessments/{assessment_id}/care-plan"),
            &json!({ "start_date": "2027-01-04" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    let plan_id = plan["care_plan"]["care_plan_id"].as_str().unwrap().to_owned();
    let first = plan["sessions"][0]["care_session_id"].as_str().unwrap();
    let (status, _) = clinician
        .patch(
            &format!("/api/v1/care-plans/{plan_id}/sessions/{first}"),
            &json!({ "status": "attended" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let answers = json!({ "label": "6 weeks", "questionnaires": { "odi": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1] }, "pain": { "back": 3, "leg": 2 } });
    let (status, body) =
        clinician.post(&format!("/api/v1/episodes/{episode_id}/follow-ups"), &answers).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (patient_id, episode_id, plan_id)
}

on_both_databases!(
    /// The timeline draws the scores and the course as inline SVG (no script), and lists every
    /// event with its figures: the assessment, the override with its reason, the therapy phase
    /// with its attendance, the follow-up points, the answer.
    timeline_page,
    async |app: &TestApp| {
        let clinician = app.user("clinician").await;
        let (patient_id, episode_id, _) = course(&clinician).await;
        let response = clinician.request(reqwest::Method::GET, &format!("/clinic/episodes/{episode_id}/timeline")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let page = response.text().await.unwrap();
        assert_eq!(page.matches("<svg").count(), 2, "two charts");
        assert!(!page.contains("<script"), "no script");
        for expected in ["Overridden: Physical therapy", "Prefers active care", "Physical therapy: ", "Attended 1, Missed 0", "Follow-up answered: after 6 weeks", "ODI 20 %, Back pain 3, Leg pain 2", "ODI (%)"] {
            assert!(page.contains(expected), "the timeline shows {expected:?}");
        }
        let (status, _) = clinician.get("/clinic/episodes/no-such-episode/timeline").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let actions: Vec<String> = records(app, &patient_id).await.iter().map(|r| r["action"].as_str().unwrap().to_owned()).collect();
        assert!(actions.contains(&"episode.timeline".to_owned()), "{actions:?}");
    }
);

/// The text of a PDF, by `pdftotext` (Debian's poppler-utils, which `.ci/run` installs).
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("summary.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

on_both_databases!(
    /// The printable summary is a PDF in the language asked for, with the patient, the pathway in
    /// plain words, the dated sessions, the follow-up dates, the clinician's decision with its
    /// reason, the knowledge base and the disclaimer; an unknown language is refused naming
    /// `lang`; the read is audited.
    printable_summary,
    async |app: &TestApp| {
        let clinician = app.user("clinician").await;
        let (patient_id, _, plan_id) = course(&clinician).await;
        // A rescheduled session is listed where it now falls, under its own number.
        let (_, plan) = clinician.get(&format!("/api/v1/care-plans/{plan_id}")).await;
        let second = plan["sessions"][1]["care_session_id"].as_str().unwrap();
        let (status, _) = clinician.patch(&format!("/api/v1/care-plans/{plan_id}/sessions/{second}"), &json!({ "session_date": "2027-03-01" })).await;
        assert_eq!(status, StatusCode::OK);
        let path = format!("/api/v1/care-plans/{plan_id}/summary.pdf");
        let (status, body) = clinician.get(&format!("{path}?lang=fr")).await;
        assert_eq!((status, body["error"]["fields"][0]["path"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("lang")));

        let response = clinician.request(reqwest::Method::GET, &format!("{path}?lang=es")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
        let pdf = response.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = pdf_text(&pdf);
        for expected in ["Resumen de su plan de atención", "Test Patient", "lunes 4 de enero de 2027", "Fisioterapia", "Prefers active care", "a las 6 semanas", "Página 1 /"] {
            assert!(text.contains(expected), "the summary says {expected:?}:\n{text}");
        }
        let moved = text.find("lunes 1 de marzo de 2027").expect("the rescheduled date");
        assert!(moved > text.find("jueves 11 de febrero de 2027").unwrap(), "listed by date:\n{text}");
        assert!(text.contains("fecha de nacimiento: 2 de abril de 1980"), "a birth date without its weekday:\n{text}");
        let english = clinician.request(reqwest::Method::GET, &path).send().await.unwrap().bytes().await.unwrap();
        let text = pdf_text(&english);
        assert!(text.contains("Your care plan summary") && text.contains("Monday 4 January 2027"), "{text}");

        let actions: Vec<String> = records(app, &patient_id).await.iter().map(|r| r["action"].as_str().unwrap().to_owned()).collect();
        assert_eq!(actions.iter().filter(|a| *a == "care_plan.summary").count(), 2, "{actions:?}");
    }
);
