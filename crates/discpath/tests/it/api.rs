//! The JSON API, on SQLite and on PostgreSQL.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server::{Client, TestApp, on_both_databases};
use crate::support::{read_json, root};

pub(crate) fn vignette_input(name: &str) -> Value {
    read_json(&root().join(format!("kb/vignettes/{name}.json")))["input"].clone()
}

fn new_patient(mrn: &str, name: &str) -> Value {
    json!({ "mrn": mrn, "name": name, "birth_date": "1980-04-02", "sex": "female", "email": "p@example.org" })
}

/// A patient with an open episode; returns (patient_id, episode_id).
pub(crate) async fn patient_with_episode(client: &Client, mrn: &str) -> (String, String) {
    let (status, patient) =
        client.post("/api/v1/patients", &new_patient(mrn, "Test Patient")).await;
    assert_eq!(status, StatusCode::CREATED, "{patient}");
    let patient_id = patient["patient_id"].as_str().unwrap().to_owned();
    let (status, episode) = client
        .post(&format!("/api/v1/patients/{patient_id}/episodes"), &json!({ "title": "Sciatica" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{episode}");
    (patient_id, episode["episode_id"].as_str().unwrap().to_owned())
}

on_both_databases!(
    /// Create, read, update, search and page through patients and episodes.
    patients_and_episodes,
    async |app: &TestApp| {
        let coordinator = app.user("coordinator").await;
        let (status, created) = coordinator.post("/api/v1/patients", &new_patient("MRN-1", "Ada Lovelace")).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["patient_id"].as_str().unwrap();
        let (status, read) = coordinator.get(&format!("/api/v1/patients/{id}")).await;
        assert_eq!((status, &read["name"]), (StatusCode::OK, &json!("Ada Lovelace")));
        let (status, updated) = coordinator.patch(&format!("/api/v1/patients/{id}"), &json!({ "phone": "+1 555 0100", "name": "Ada King" })).await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        assert_eq!((&updated["phone"], &updated["mrn"]), (&json!("+1 555 0100"), &json!("MRN-1")));

        // The MRN is unique within the clinic.
        let (status, conflict) = coordinator.post("/api/v1/patients", &new_patient("MRN-1", "Someone Else")).await;
        assert_eq!(status, StatusCode::CONFLICT, "{conflict}");
        assert_eq!(conflict["error"]["code"], "conflict");

        // Every invalid field is named at once.
        let (status, invalid) = coordinator
            .post("/api/v1/patients", &json!({ "mrn": "X", "birth_date": "1980-02-30", "sex": "robot", "nickname": "x" }))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let paths: Vec<&str> = invalid["error"]["fields"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
        assert_eq!(paths, ["nickname", "name", "birth_date", "sex"], "{invalid}");

        // Search by name (case-insensitive) or MRN, and cursor pagination.
        for n in 2..=5 {
            let (status, _) = coordinator.post("/api/v1/patients", &new_patient(&format!("MRN-{n}"), &format!("Grace Hopper {n}"))).await;
            assert_eq!(status, StatusCode::CREATED);
        }
        let (_, found) = coordinator.get("/api/v1/patients?q=hopper").await;
        assert_eq!(found["items"].as_array().unwrap().len(), 4);
        let (_, by_mrn) = coordinator.get("/api/v1/patients?q=MRN-1").await;
        assert_eq!(by_mrn["items"][0]["name"], "Ada King");
        let (_, first) = coordinator.get("/api/v1/patients?limit=2").await;
        let cursor = first["next_cursor"].as_str().unwrap();
        let (_, second) = coordinator.get(&format!("/api/v1/patients?limit=2&cursor={cursor}")).await;
        let (_, third) = coordinator.get(&format!("/api/v1/patients?limit=2&cursor={}", second["next_cursor"].as_str().unwrap())).await;
        let mut seen: Vec<String> = [&first, &second, &third]
            .iter()
            .flat_map(|page| page["items"].as_array().unwrap().iter().map(|p| p["mrn"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(third["next_cursor"], Value::Null);
        seen.sort();
        assert_eq!(seen, ["MRN-1", "MRN-2", "MRN-3", "MRN-4", "MRN-5"]);
        let (status, _) = coordinator.get("/api/v1/patients?limit=500").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        // Episodes.
        let (_, episode_id) = patient_with_episode(&coordinator, "MRN-6").await;
        let (status, closed) = coordinator
            .patch(&format!("/api/v1/episodes/{episode_id}"), &json!({ "status": "closed", "closed_on": "2099-01-01" }))
            .await;
        assert_eq!((status, &closed["status"]), (StatusCode::OK, &json!("closed")), "{closed}");
        let (status, _) = coordinator.patch(&format!("/api/v1/episodes/{episode_id}"), &json!({ "closed_on": "1999-01-01" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "closed before opened");

        // Another clinic sees none of it.
        let stranger = app.user_in("00000000-0000-7000-8000-000000000001", "coordinator").await;
        let (status, _) = stranger.get(&format!("/api/v1/patients/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, theirs) = stranger.get("/api/v1/patients").await;
        assert_eq!(theirs["items"], json!([]));
    }
);

on_both_databases!(
    /// Assess, decide, book the care plan, record sessions and follow-ups.
    assessment_to_follow_up,
    async |app: &TestApp| {
        let coordinator = app.user("coordinator").await;
        let clinician = app.user("clinician").await;
        let (patient_id, episode_id) = patient_with_episode(&coordinator, "MRN-A").await;
        let document = vignette_input("herniation-sequence");
        let (status, assessed) = coordinator.post(&format!("/api/v1/episodes/{episode_id}/assessments"), &document).await;
        assert_eq!(status, StatusCode::CREATED, "{assessed}");
        assert_eq!(assessed["recommendation"]["pathway"], "decompression_then_pt");
        assert_eq!(assessed["pathway"], "decompression_then_pt");
        assert_eq!(assessed["patient_id"], json!(patient_id));
        assert!(assessed["kb_hash"].as_str().unwrap().starts_with("sha256:"));
        let assessment_id = assessed["assessment_id"].as_str().unwrap();
        let (_, read) = coordinator.get(&format!("/api/v1/assessments/{assessment_id}")).await;
        assert_eq!(read["recommendation"], assessed["recommendation"]);
        let (_, listed) = coordinator.get(&format!("/api/v1/episodes/{episode_id}/assessments")).await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 1);

        // A care plan needs a clinician's decision first; coordinators cannot decide.
        let plan_path = format!("/api/v1/assessments/{assessment_id}/care-plan");
        let (status, _) = coordinator.post(&plan_path, &json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let decision_path = format!("/api/v1/assessments/{assessment_id}/decision");
        let (status, _) = coordinator.post(&decision_path, &json!({ "action": "accept" })).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, decision) = clinician.post(&decision_path, &json!({ "action": "accept" })).await;
        assert_eq!(status, StatusCode::CREATED, "{decision}");
        assert_eq!(decision["pathway"], "decompression_then_pt");
        let (status, _) = clinician.post(&decision_path, &json!({ "action": "accept" })).await;
        assert_eq!(status, StatusCode::CONFLICT, "one decision per assessment");

        let (status, plan) = coordinator.post(&plan_path, &json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{plan}");
        let sessions = plan["sessions"].as_array().unwrap();
        assert_eq!(sessions.len(), 32, "20 decompression and 12 physical therapy sessions");
        assert_eq!(sessions[0]["session_date"], "2027-01-04");
        assert_eq!(sessions[20]["therapy"], "physical_therapy");
        assert_eq!(sessions[20]["session_date"], "2027-02-15");
        assert_eq!(plan["follow_ups"].as_array().unwrap().len(), 4);
        let mut last = plan["follow_ups"][3].clone();
        let state = last.as_object_mut().unwrap().remove("state");
        assert!(["upcoming", "due", "overdue", "missed"].contains(&state.unwrap().as_str().unwrap()));
        assert_eq!(last, json!({
            "follow_up_id": plan["follow_ups"][3]["follow_up_id"], "care_plan_id": plan["care_plan"]["care_plan_id"],
            "label": "6 months", "due_date": "2027-07-05", "window_opens": "2027-06-07", "window_closes": "2027-08-02"
        }));
        let (status, _) = coordinator.post(&plan_path, &json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "one plan per assessment");

        let plan_id = plan["care_plan"]["care_plan_id"].as_str().unwrap();
        let session_id = sessions[0]["care_session_id"].as_str().unwrap();
        let session_path = format!("/api/v1/care-plans/{plan_id}/sessions/{session_id}");
        let (status, session) = coordinator.patch(&session_path, &json!({ "status": "attended" })).await;
        assert_eq!((status, &session["status"]), (StatusCode::OK, &json!("attended")));
        let (status, _) = coordinator.patch(&session_path, &json!({ "status": "done" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (_, reread) = coordinator.get(&format!("/api/v1/care-plans/{plan_id}")).await;
        assert_eq!(reread["sessions"][0]["status"], "attended");

        // Follow-up questionnaires are validated and scored.
        let follow_ups = format!("/api/v1/episodes/{episode_id}/follow-ups");
        let answers = json!({
            "label": "6 weeks",
            "questionnaires": { "odi": [1, 1, 1, 1, 1, 1, 1, 1, 1, null], "start_back": [0, 0, 0, 0, 0, 0, 0, 0, 1] },
            "pain": { "back": 2, "leg": 1 }
        });
        let (status, response) = coordinator.post(&follow_ups, &answers).await;
        assert_eq!(status, StatusCode::CREATED, "{response}");
        assert_eq!(response["scores"]["odi"]["band"], "minimal");
        assert_eq!(response["scores"]["start_back"]["risk"], "low");
        assert_eq!(response["scores"]["pain"], json!({ "back": 2, "leg": 1 }));
        let (status, invalid) = coordinator.post(&follow_ups, &json!({ "label": "6 weeks", "pain": { "back": 12 } })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(invalid["error"]["fields"][0], json!({ "path": "pain.back", "message": "12 is outside 0..=10" }));
        let (_, responses) = coordinator.get(&follow_ups).await;
        assert_eq!(responses["items"].as_array().unwrap().len(), 1);
    }
);

on_both_databases!(
    /// A plan that started 45 days ago: its baseline missed, its 6-week follow-up overdue until
    /// answered (then completed), the later ones upcoming; an answer outside a point's window
    /// does not complete it.
    follow_up_states_follow_the_calendar,
    async |app: &TestApp| {
        let coordinator = app.user("coordinator").await;
        let clinician = app.user("clinician").await;
        let (_, episode_id) = patient_with_episode(&coordinator, "MRN-F").await;
        let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let start = today.checked_sub(jiff::Span::new().days(45)).unwrap();
        let mut document = vignette_input("herniation-sequence");
        document["plan"] = json!({ "start_date": start.to_string() });
        let (status, assessed) = coordinator.post(&format!("/api/v1/episodes/{episode_id}/assessments"), &document).await;
        assert_eq!(status, StatusCode::CREATED, "{assessed}");
        let assessment_id = assessed["assessment_id"].as_str().unwrap();
        let (status, _) = clinician.post(&format!("/api/v1/assessments/{assessment_id}/decision"), &json!({ "action": "accept" })).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, plan) = coordinator.post(&format!("/api/v1/assessments/{assessment_id}/care-plan"), &json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{plan}");
        let states = |plan: &serde_json::Value| -> Vec<(String, String)> {
            plan["follow_ups"].as_array().unwrap().iter()
                .map(|f| (f["label"].as_str().unwrap().to_owned(), f["state"].as_str().unwrap().to_owned()))
                .collect()
        };
        let pairs = |list: &[(&str, &str)]| list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect::<Vec<_>>();
        assert_eq!(states(&plan), pairs(&[("baseline", "missed"), ("6 weeks", "overdue"), ("3 months", "upcoming"), ("6 months", "upcoming")]));
        let six_weeks = &plan["follow_ups"][1];
        let (opens, closes) = (six_weeks["window_opens"].as_str().unwrap(), six_weeks["window_closes"].as_str().unwrap());
        assert!(opens < six_weeks["due_date"].as_str().unwrap() && closes > today.to_string().as_str(), "{six_weeks}");

        // Answered today: the 6-week point is completed; a baseline answered today is too late.
        for label in ["6 weeks", "baseline"] {
            let answers = json!({ "label": label, "pain": { "back": 3, "leg": 2 } });
            let (status, response) = coordinator.post(&format!("/api/v1/episodes/{episode_id}/follow-ups"), &answers).await;
            assert_eq!(status, StatusCode::CREATED, "{response}");
        }
        let plan_id = plan["care_plan"]["care_plan_id"].as_str().unwrap();
        let (_, reread) = coordinator.get(&format!("/api/v1/care-plans/{plan_id}")).await;
        assert_eq!(states(&reread), pairs(&[("baseline", "missed"), ("6 weeks", "completed"), ("3 months", "upcoming"), ("6 months", "upcoming")]));
    }
);

on_both_databases!(
    /// An override needs a reason and can never choose decompression against an absolute
    /// contraindication.
    overrides_respect_contraindications,
    async |app: &TestApp| {
        let clinician = app.user("clinician").await;
        let (_, episode_id) = patient_with_episode(&clinician, "MRN-P").await;
        let (_, assessed) = clinician.post(&format!("/api/v1/episodes/{episode_id}/assessments"), &vignette_input("pregnant-herniation")).await;
        assert_eq!(assessed["recommendation"]["pathway"], "physical_therapy");
        let decision_path = format!("/api/v1/assessments/{}/decision", assessed["assessment_id"].as_str().unwrap());
        let (status, refused) = clinician
            .post(&decision_path, &json!({ "action": "override", "pathway": "decompression_then_pt", "reason": "patient preference" }))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused["error"]["fields"][0]["path"], "pathway");
        let (status, _) = clinician.post(&decision_path, &json!({ "action": "override", "pathway": "specialist_evaluation" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "an override needs a reason");
        let (status, decision) = clinician
            .post(&decision_path, &json!({ "action": "override", "pathway": "clinical_evaluation", "reason": "third trimester" }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{decision}");
        let plan_path = decision_path.replace("/decision", "/care-plan");
        let (status, body) = clinician.post(&plan_path, &json!({ "start_date": "2027-03-01" })).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
    }
);

on_both_databases!(
    /// A request that fails validation changes nothing in the database (only its audit record
    /// is added).
    invalid_requests_change_nothing,
    async |app: &TestApp| {
        let coordinator = app.user("coordinator").await;
        let (_, episode_id) = patient_with_episode(&coordinator, "MRN-V").await;
        let before = app.counts().await;
        let mut document = vignette_input("herniation-sequence");
        document["questionnaires"]["odi"][3] = json!(7);
        document["red_flags"]["saddle_anaesthesia"] = json!(false);
        let (status, invalid) = coordinator.post(&format!("/api/v1/episodes/{episode_id}/assessments"), &document).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(invalid["error"]["fields"].as_array().unwrap().contains(&json!({ "path": "questionnaires.odi[3]", "message": "7 is outside 0..=5" })));
        assert!(invalid["error"]["fields"].as_array().unwrap().iter().any(|f| f["path"] == "red_flags.saddle_anaesthesia"));
        let (status, _) = coordinator.post("/api/v1/patients", &json!({ "mrn": "MRN-W", "name": "X", "birth_date": "2999-01-01", "sex": "female" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a birth date in the future");
        let (status, _) = coordinator.post(&format!("/api/v1/episodes/{episode_id}/follow-ups"), &json!({ "label": "" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.counts().await, before);
        // The stateless evaluation stores nothing either.
        let (status, recommendation) = coordinator.post("/api/v1/evaluate", &vignette_input("ces-saddle")).await;
        assert_eq!((status, &recommendation["pathway"]), (StatusCode::OK, &json!("emergency_referral")));
        assert_eq!(app.counts().await, before);
    }
);

on_both_databases!(
    /// Client mistakes are 4xx with a JSON error, never 5xx.
    client_errors_are_json_4xx,
    async |app: &TestApp| {
        let coordinator = app.user("coordinator").await;
        let (status, body) = coordinator.post_raw("/api/v1/patients", "text/plain", "{}").await;
        assert_eq!((status, &body["error"]["code"]), (StatusCode::UNSUPPORTED_MEDIA_TYPE, &json!("unsupported_media_type")));
        let (status, body) = coordinator.post_raw("/api/v1/patients", "application/json", "{\"mrn\": ").await;
        assert_eq!((status, &body["error"]["code"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("invalid_input")));
        let huge = format!("{{\"mrn\": \"{}\"}}", "x".repeat(100 * 1024));
        let (status, body) = coordinator.post_raw("/api/v1/patients", "application/json", huge).await;
        assert_eq!((status, &body["error"]["code"]), (StatusCode::PAYLOAD_TOO_LARGE, &json!("payload_too_large")));
        let (status, body) = coordinator.get("/api/v1/patients/no-such-patient").await;
        assert_eq!((status, &body["error"]["code"]), (StatusCode::NOT_FOUND, &json!("not_found")));
        let (status, body) = coordinator.get("/api/v1/no-such-route").await;
        assert_eq!((status, &body["error"]["code"]), (StatusCode::NOT_FOUND, &json!("not_found")));
        let (status, _) = coordinator.post("/api/v1/episodes/nope/assessments", &vignette_input("ces-saddle")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

pub(crate) fn report_form(name: &str, content: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("name", "Pat Public")
        .text("email", "pat@example.org")
        .text("message", "L5 herniation, MRI attached")
        .text("consent", "yes")
        .part("mri_report", reqwest::multipart::Part::bytes(content).file_name(name.to_owned()))
}

on_both_databases!(
    /// The public consultation form with an MRI report, checked by content and size, stored by
    /// content, read back by staff.
    consultation_requests,
    async |app: &TestApp| {
        let public = app.anonymous();
        let path = format!("/api/v1/clinics/{}/consultation-requests", app.clinic_id);
        let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();
        let response = public.request(reqwest::Method::POST, &path).multipart(report_form("mri.pdf", pdf.clone())).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let created: Value = response.json().await.unwrap();
        assert_eq!(created["mri_report"]["media_type"], "application/pdf");
        // A text file with a .pdf name is refused by content.
        let response = public.request(reqwest::Method::POST, &path).multipart(report_form("mri.pdf", b"not a pdf".to_vec())).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // Over the upload limit (256 KiB in tests).
        let mut big = b"%PDF-".to_vec();
        big.resize(300 * 1024, b'x');
        let response = public.request(reqwest::Method::POST, &path).multipart(report_form("big.pdf", big)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let response = public
            .request(reqwest::Method::POST, "/api/v1/clinics/no-such-clinic/consultation-requests")
            .multipart(report_form("mri.pdf", pdf.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);

        let coordinator = app.user("coordinator").await;
        let (_, list) = coordinator.get("/api/v1/consultation-requests").await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        let id = created["request_id"].as_str().unwrap();
        let response = coordinator.request(reqwest::Method::GET, &format!("/api/v1/consultation-requests/{id}/mri-report")).send().await.unwrap();
        assert_eq!(response.headers()["content-type"], "application/pdf");
        assert_eq!(response.bytes().await.unwrap().to_vec(), pdf);
        let (status, updated) = coordinator.patch(&format!("/api/v1/consultation-requests/{id}"), &json!({ "status": "contacted" })).await;
        assert_eq!((status, &updated["status"]), (StatusCode::OK, &json!("contacted")));
    }
);

on_both_databases!(
    /// Health, readiness and metrics.
    operations_endpoints,
    async |app: &TestApp| {
        let anonymous = app.anonymous();
        assert_eq!(anonymous.get("/healthz").await.0, StatusCode::OK);
        let (status, ready) = anonymous.get("/readyz").await;
        assert_eq!((status, &ready["status"]), (StatusCode::OK, &json!("ready")));
        let clinician = app.user("clinician").await;
        clinician.post("/api/v1/evaluate", &vignette_input("ces-saddle")).await;
        let response = anonymous.request(reqwest::Method::GET, "/metrics").send().await.unwrap();
        let text = response.text().await.unwrap();
        assert!(text.contains("discpath_evaluations_total{pathway=\"emergency_referral\"} 1"), "{text}");
        assert!(text.contains("route=\"/api/v1/evaluate\""), "{text}");
        assert!(text.contains("discpath_http_request_duration_seconds_bucket"), "{text}");
        assert!(!text.contains("ces"), "no request data in metrics");
    }
);
