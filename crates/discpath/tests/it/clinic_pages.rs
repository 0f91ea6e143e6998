//! The clinic's pages over HTTP: the same audited work as the JSON API (intake stores the
//! assessment the API would, the decision form refuses what the API refuses), nothing stored
//! on a refused form, cross-site posts refused on every form, idle sessions ended.

use reqwest::StatusCode;
use serde_json::Value;

use crate::api::{patient_with_episode, vignette_input};
use crate::audit_trail::records;
use crate::server::{Client, PASSWORD, TestApp, on_both_databases};

/// `application/x-www-form-urlencoded` of `pairs`.
fn encoded(pairs: &[(String, String)]) -> String {
    let escape = |text: &str| {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    char::from(b).to_string()
                }
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs.iter().map(|(k, v)| format!("{}={}", escape(k), escape(v))).collect::<Vec<_>>().join("&")
}

/// Posts a form; returns the status, the `Location` and the body.
async fn post_form(
    client: &Client,
    path: &str,
    pairs: &[(String, String)],
) -> (StatusCode, String, String) {
    let response = client
        .request(reqwest::Method::POST, path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encoded(pairs))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

async fn get_page(client: &Client, path: &str) -> (StatusCode, String) {
    let response = client.request(reqwest::Method::GET, path).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The intake form's fields for a vignette's document (what a clinician would enter).
fn intake_form(input: &Value) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (section, fields) in input.as_object().unwrap() {
        if section == "diagnoses" || section == "plan" {
            continue;
        }
        for (name, value) in fields.as_object().unwrap() {
            match (section.as_str(), name.as_str(), value) {
                ("questionnaires", list @ ("odi" | "start_back"), Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        pairs.push((
                            format!("{list}.{}", i + 1),
                            if item.is_null() { String::new() } else { item.to_string() },
                        ));
                    }
                }
                (_, _, Value::Bool(b)) => pairs
                    .push((format!("{section}.{name}"), if *b { "yes" } else { "no" }.to_owned())),
                (_, _, Value::String(s)) => pairs.push((format!("{section}.{name}"), s.clone())),
                (_, _, other) => pairs.push((format!("{section}.{name}"), other.to_string())),
            }
        }
    }
    for diagnosis in input["diagnoses"].as_array().into_iter().flatten() {
        let answer = if diagnosis["confirmed_by_imaging"] == Value::Bool(true) {
            "confirmed"
        } else {
            "suspected"
        };
        pairs.push((
            format!("diagnosis.{}", diagnosis["code"].as_str().unwrap()),
            answer.to_owned(),
        ));
    }
    if let Some(start) = input["plan"]["start_date"].as_str() {
        pairs.push(("plan.start_date".to_owned(), start.to_owned()));
    }
    pairs
}

on_both_databases!(
    /// The intake page stores the assessment the API would store for the same document, and the
    /// work list and the recommendation page are audited as reads of the patient.
    intake_stores_what_the_api_would,
    async |app: &TestApp| {
        let coordinator = app.user("coordinator").await;
        let (patient_id, episode_id) = patient_with_episode(&coordinator, "PAGE-1").await;
        let (status, page) = get_page(&coordinator, "/clinic/?q=Test").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Test Patient") && page.contains("PAGE-1"), "{page}");
        let (status, page) = get_page(&coordinator, &format!("/clinic/episodes/{episode_id}/intake")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("name=\"red_flags.saddle_anesthesia\""), "every contract field is asked");
        let input = vignette_input("herniation-sequence");
        let (status, location, _) = post_form(&coordinator, &format!("/clinic/episodes/{episode_id}/intake"), &intake_form(&input)).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let assessment_id = location.strip_prefix("/clinic/assessments/").unwrap();
        let (_, stored) = coordinator.get(&format!("/api/v1/assessments/{assessment_id}")).await;
        let (_, evaluated) = coordinator.post("/api/v1/evaluate", &input).await;
        assert_eq!(stored["recommendation"]["pathway"], evaluated["pathway"]);
        assert_eq!(stored["recommendation"]["care_plan"], evaluated["care_plan"], "the same document, so the same dated course");
        let (status, page) = get_page(&coordinator, &location).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("decompression_then_pt") && page.contains("pathway.structural.sequence"));
        assert!(!page.contains("id=\"decision\""), "a coordinator is not offered the decision");
        // The intake pre-fills from the last assessment.
        let (_, again) = get_page(&coordinator, &format!("/clinic/episodes/{episode_id}/intake")).await;
        assert!(again.contains("value=\"2027-01-04\""), "the start date is pre-filled");
        let actions: Vec<String> = records(app, &patient_id).await.iter().map(|r| r["action"].as_str().unwrap().to_owned()).collect();
        for action in ["patient.list", "episode.read", "assessment.create", "assessment.read"] {
            assert!(actions.iter().any(|a| a == action), "{action} is audited: {actions:?}");
        }
    }
);

on_both_databases!(
    /// A document the contract refuses comes back as the form with every field at fault named,
    /// and nothing is stored; the decision form refuses what the API refuses.
    refused_forms_store_nothing,
    async |app: &TestApp| {
        let clinician = app.user("clinician").await;
        let (_, episode_id) = patient_with_episode(&clinician, "PAGE-2").await;
        let mut form = intake_form(&vignette_input("pregnant-herniation"));
        form.retain(|(name, _)| name != "patient.age");
        form.push(("symptoms.leg_pain".to_owned(), "eleven".to_owned()));
        form.retain(|(name, value)| name != "symptoms.leg_pain" || value == "eleven");
        let before = app.counts().await;
        let (status, _, page) = post_form(&clinician, &format!("/clinic/episodes/{episode_id}/intake"), &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("href=\"#intake-patient-age\"") && page.contains("href=\"#intake-symptoms-leg_pain\""), "{page}");
        assert!(page.contains("value=\"eleven\""), "the answer stays as typed");
        let after = app.counts().await;
        assert_eq!(before.iter().filter(|(t, _)| t != "audit_log").collect::<Vec<_>>(), after.iter().filter(|(t, _)| t != "audit_log").collect::<Vec<_>>());

        let form = intake_form(&vignette_input("pregnant-herniation"));
        let (_, location, _) = post_form(&clinician, &format!("/clinic/episodes/{episode_id}/intake"), &form).await;
        let decision = format!("{location}/decision");
        let override_into = |pathway: &str, reason: &str| vec![("action".to_owned(), "override".to_owned()), ("pathway".to_owned(), pathway.to_owned()), ("reason".to_owned(), reason.to_owned())];
        let (status, _, page) = post_form(&clinician, &decision, &override_into("decompression_then_pt", "Asks for it")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("absolute contraindication"), "{page}");
        let (status, _, page) = post_form(&clinician, &decision, &override_into("self_management", "")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Give the reason"), "{page}");
        let assessment_id = location.strip_prefix("/clinic/assessments/").unwrap();
        assert_eq!(clinician.get(&format!("/api/v1/assessments/{assessment_id}/decision")).await.0, StatusCode::NOT_FOUND, "no decision stored");
        let (status, location, _) = post_form(&clinician, &decision, &override_into("self_management", "Declines a course of therapy")).await;
        assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, format!("/clinic/assessments/{assessment_id}").as_str()));
        let (_, stored) = clinician.get(&format!("/api/v1/assessments/{assessment_id}/decision")).await;
        assert_eq!((stored["action"].as_str(), stored["pathway"].as_str()), (Some("override"), Some("self_management")));
        assert_eq!(post_form(&clinician, &decision, &[("action".to_owned(), "accept".to_owned())]).await.0, StatusCode::CONFLICT, "decided once");
    }
);

on_both_databases!(
    /// Every form of the clinic's pages refuses a cross-site post, before anything is read.
    clinic_forms_refuse_cross_site_posts,
    async |app: &TestApp| {
        let clinician = app.user("clinician").await;
        let posts: Vec<_> = discpath_web::route_table().into_iter().filter(|r| r.method == "POST" && r.path.starts_with("/clinic/")).collect();
        assert!(posts.len() >= 4);
        for route in posts {
            let path = route.path.replace("{episode_id}", "x").replace("{assessment_id}", "x");
            let response = clinician
                .request(reqwest::Method::POST, &path)
                .header("sec-fetch-site", "cross-site")
                .header("origin", "https://attacker.example")
                .header("content-type", "application/x-www-form-urlencoded")
                .body("action=accept")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{}", route.path);
        }
    }
);

on_both_databases!(
    /// A session left unused for the idle time is over (here a second); the login page logs in
    /// with a session cookie and sends the user where they were going, never to another site.
    idle_sessions_end,
    configured = |config: &mut discpath_web::ServeConfig| config.session_idle = std::time::Duration::from_secs(1),
    async |app: &TestApp| {
        let clinician = app.user("clinician").await;
        let (_, me) = clinician.get("/api/v1/session").await;
        let email = me["user"]["email"].as_str().unwrap().to_owned();
        let browser = app.anonymous();
        let (status, location, _) = post_form(&browser, "/clinic/login", &[("email".to_owned(), email), ("password".to_owned(), PASSWORD.to_owned()), ("next".to_owned(), "/clinic/?q=x".to_owned())]).await;
        assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/clinic/?q=x"));
        assert_eq!(get_page(&browser, "/clinic/").await.0, StatusCode::OK, "in use");
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let response = browser.request(reqwest::Method::GET, "/clinic/").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "left idle, the session is over");
        assert!(response.headers()["location"].to_str().unwrap().starts_with("/clinic/login?next="));
        let (status, location, _) = post_form(&browser, "/clinic/login", &[("email".to_owned(), me["user"]["email"].as_str().unwrap().to_owned()), ("password".to_owned(), PASSWORD.to_owned()), ("next".to_owned(), "//evil.example/".to_owned())]).await;
        assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/clinic/"), "never to another site");
    }
);

on_both_databases!(
    /// A consultation request becomes a patient with an open episode, its details carried over;
    /// a likely duplicate (same name and date of birth) waits for confirmation, storing nothing;
    /// closing a request needs a reason, on the page as in the API.
    consultation_requests_become_patients,
    async |app: &TestApp| {
        let public = app.anonymous();
        let path = format!("/api/v1/clinics/{}/consultation-requests", app.clinic_id);
        for _ in 0..2 {
            let form = crate::api::report_form("mri.pdf", b"%PDF-1.4\n%%EOF\n".to_vec());
            let response = public.request(reqwest::Method::POST, &path).multipart(form).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
        }
        let coordinator = app.user("coordinator").await;
        let (status, queue) = get_page(&coordinator, "/clinic/consultations").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(queue.matches("Pat Public").count(), 2, "{queue}");
        let (_, list) = coordinator.get("/api/v1/consultation-requests").await;
        let ids: Vec<String> = list["items"].as_array().unwrap().iter().map(|r| r["request_id"].as_str().unwrap().to_owned()).collect();
        let (status, page) = get_page(&coordinator, &format!("/clinic/consultations/{}", ids[0])).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("value=\"pat@example.org\"") && page.contains(&format!("/api/v1/consultation-requests/{}/mri-report", ids[0])), "details carried over, MRI report linked");
        let details = |mrn: &str| vec![("name".to_owned(), "Pat Public".to_owned()), ("mrn".to_owned(), mrn.to_owned()), ("birth_date".to_owned(), "1971-05-06".to_owned()), ("sex".to_owned(), "female".to_owned()), ("email".to_owned(), "pat@example.org".to_owned())];
        let (status, location, _) = post_form(&coordinator, &format!("/clinic/consultations/{}/register", ids[0]), &details("CR-1")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let patient_id = location.strip_prefix("/clinic/patients/").unwrap();
        let (_, episodes) = coordinator.get(&format!("/api/v1/patients/{patient_id}/episodes")).await;
        assert_eq!(episodes["items"][0]["status"], "open");
        let (_, request) = coordinator.get(&format!("/api/v1/consultation-requests/{}", ids[0])).await;
        assert_eq!(request["patient_id"], patient_id);

        let before = app.counts().await;
        let register = format!("/clinic/consultations/{}/register", ids[1]);
        let (status, _, page) = post_form(&coordinator, &register, &details("CR-2")).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(page.contains("Is this the same person?") && page.contains(&format!("/clinic/patients/{patient_id}")), "{page}");
        assert_eq!(app.counts().await.iter().find(|(t, _)| t == "patient"), before.iter().find(|(t, _)| t == "patient"), "nothing stored");
        let mut confirmed = details("CR-2");
        confirmed.push(("confirm".to_owned(), "yes".to_owned()));
        assert_eq!(post_form(&coordinator, &register, &confirmed).await.0, StatusCode::SEE_OTHER, "a different person, confirmed");

        let status_path = format!("/clinic/consultations/{}/status", ids[1]);
        let (status, _, page) = post_form(&coordinator, &status_path, &[("status".to_owned(), "closed".to_owned())]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Give the reason for closing"), "{page}");
        let (status, body) = coordinator.patch(&format!("/api/v1/consultation-requests/{}", ids[1]), &serde_json::json!({ "status": "closed" })).await;
        assert_eq!((status, body["error"]["fields"][0]["path"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")));
        let closing = [("status".to_owned(), "closed".to_owned()), ("reason".to_owned(), "Booked elsewhere".to_owned())];
        assert_eq!(post_form(&coordinator, &status_path, &closing).await.0, StatusCode::SEE_OTHER);
        let (_, closed) = coordinator.get(&format!("/api/v1/consultation-requests/{}", ids[1])).await;
        assert_eq!((closed["status"].as_str(), closed["closed_reason"].as_str()), (Some("closed"), Some("Booked elsewhere")));
        let (_, open_queue) = get_page(&coordinator, "/clinic/consultations").await;
        assert_eq!(open_queue.matches("Pat Public").count(), 1, "a closed request leaves the open queue");
    }
);

on_both_databases!(
    /// A session's booked time is the clinic's local time: the iCalendar file gives it in UTC
    /// (all-day events for the rest, one per session), each change counts a revision, adverse
    /// events are recorded against a session; the calendar page's forms do the API's work.
    care_plan_calendar,
    async |app: &TestApp| {
        let admin = app.user("admin").await;
        let (status, body) = admin.patch("/api/v1/clinic", &serde_json::json!({ "time_zone": "Mars/Olympus" })).await;
        assert_eq!((status, body["error"]["fields"][0]["path"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("time_zone")));
        assert_eq!(admin.patch("/api/v1/clinic", &serde_json::json!({ "time_zone": "America/Chicago" })).await.0, StatusCode::OK);

        let clinician = app.user("clinician").await;
        let (_, episode_id) = patient_with_episode(&clinician, "CAL-1").await;
        let (_, assessment) = clinician.post(&format!("/api/v1/episodes/{episode_id}/assessments"), &vignette_input("herniation-sequence")).await;
        let assessment_id = assessment["assessment_id"].as_str().unwrap();
        clinician.post(&format!("/api/v1/assessments/{assessment_id}/decision"), &serde_json::json!({ "action": "accept" })).await;
        let (status, _, _) = post_form(&clinician, &format!("/clinic/assessments/{assessment_id}/care-plan"), &[("start_date".to_owned(), "2027-01-04".to_owned())]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "booked from the page");
        let page = get_page(&clinician, &format!("/clinic/assessments/{assessment_id}")).await.1;
        let plan_id = page.split("/clinic/care-plans/").nth(1).and_then(|rest| rest.split('"').next()).unwrap().to_owned();
        let (_, plan) = clinician.get(&format!("/api/v1/care-plans/{plan_id}")).await;
        let sessions = plan["sessions"].as_array().unwrap().clone();
        let second = sessions[1]["care_session_id"].as_str().unwrap();
        assert_eq!(sessions[1]["session_date"], "2027-01-05");
        let session_path = format!("/api/v1/care-plans/{plan_id}/sessions/{second}");
        let (status, body) = clinician.patch(&session_path, &serde_json::json!({ "booked_time": "9:3x" })).await;
        assert_eq!((status, body["error"]["fields"][0]["path"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("booked_time")));
        let (_, changed) = clinician.patch(&session_path, &serde_json::json!({ "booked_time": "09:30" })).await;
        assert_eq!((changed["booked_time"].as_str(), changed["revision"].as_i64()), (Some("09:30"), Some(1)));
        let (_, same) = clinician.patch(&session_path, &serde_json::json!({ "booked_time": "09:30" })).await;
        assert_eq!(same["revision"], 1, "no change, no new revision");
        let third = sessions[2]["care_session_id"].as_str().unwrap();
        let (status, location, _) = post_form(&clinician, &format!("/clinic/care-plans/{plan_id}/sessions/{third}"), &[("status".to_owned(), "cancelled".to_owned())]).await;
        assert_eq!((status, location), (StatusCode::SEE_OTHER, format!("/clinic/care-plans/{plan_id}#session-{third}")));

        let response = clinician.request(reqwest::Method::GET, &format!("/api/v1/care-plans/{plan_id}/calendar.ics")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
        let ics = response.text().await.unwrap();
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), sessions.len());
        assert!(ics.contains("DTSTART:20270105T153000Z"), "09:30 in Chicago in January is 15:30 UTC: {ics}");
        assert!(ics.contains("DTSTART;VALUE=DATE:20270104"), "{ics}");
        assert!(ics.contains(&format!("UID:{third}@discpath")) && ics.contains("STATUS:CANCELLED"));

        let event_path = format!("/api/v1/care-plans/{plan_id}/sessions/{second}/adverse-events");
        let (status, body) = clinician.post(&event_path, &serde_json::json!({ "what": "Dizziness", "action_taken": "Rested" })).await;
        assert_eq!((status, body["error"]["fields"][0]["path"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("severity")));
        let (status, _, page) = post_form(&clinician, &format!("/clinic/care-plans/{plan_id}/sessions/{second}/adverse-events"), &[("what".to_owned(), "Dizziness".to_owned())]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains(&format!("href=\"#session-{second}-severity\"")), "the page names the field");
        let (status, _) = clinician.post(&event_path, &serde_json::json!({ "what": "Dizziness", "severity": "mild", "action_taken": "Rested" })).await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, plan) = clinician.get(&format!("/api/v1/care-plans/{plan_id}")).await;
        assert_eq!(plan["adverse_events"].as_array().unwrap().len(), 1);
        assert_eq!(plan["adverse_events"][0]["care_session_id"], second);
    }
);

on_both_databases!(
    /// The administration pages do the API's work: a user added (a short password refused,
    /// naming the field) can log in; an administrator cannot disable themselves; the audit trail
    /// filters by user; the clinic's time zone is checked.
    administration_pages,
    async |app: &TestApp| {
        let admin = app.user("admin").await;
        let (_, me) = admin.get("/api/v1/session").await;
        let admin_id = me["user"]["user_id"].as_str().unwrap().to_owned();
        let (status, page) = get_page(&admin, "/clinic/admin").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(&admin_id), "the users are listed");
        let form = |password: &str| vec![("name".to_owned(), "Priya Raman".to_owned()), ("email".to_owned(), "priya@test.example".to_owned()), ("role".to_owned(), "clinician".to_owned()), ("password".to_owned(), password.to_owned())];
        let (status, _, page) = post_form(&admin, "/clinic/admin/users", &form("short")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("href=\"#new-user-password\""), "{page}");
        assert_eq!(post_form(&admin, "/clinic/admin/users", &form("a long enough password")).await.0, StatusCode::SEE_OTHER);
        let priya = app.login("priya@test.example", "a long enough password").await;
        assert_eq!(priya.get("/api/v1/session").await.1["user"]["role"], "clinician");

        let (status, _, page) = post_form(&admin, &format!("/clinic/admin/users/{admin_id}"), &[("role".to_owned(), "admin".to_owned()), ("disabled".to_owned(), "yes".to_owned())]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("cannot disable or demote their own account"), "{page}");

        let (status, _, page) = post_form(&admin, "/clinic/admin/clinic", &[("time_zone".to_owned(), "Nowhere/Land".to_owned())]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("href=\"#clinic-time_zone\""), "{page}");
        assert_eq!(post_form(&admin, "/clinic/admin/clinic", &[("time_zone".to_owned(), "Europe/Madrid".to_owned())]).await.0, StatusCode::SEE_OTHER);
        assert_eq!(admin.get("/api/v1/clinic").await.1["time_zone"], "Europe/Madrid");

        let priya_id = priya.get("/api/v1/session").await.1["user"]["user_id"].as_str().unwrap().to_owned();
        let (_, trail) = admin.get(&format!("/api/v1/audit?actor={priya_id}")).await;
        let actors: Vec<&str> = trail["items"].as_array().unwrap().iter().map(|r| r["actor"].as_str().unwrap()).collect();
        assert!(!actors.is_empty() && actors.iter().all(|a| *a == priya_id), "{actors:?}");
        let (status, page) = get_page(&admin, &format!("/clinic/admin/audit?actor={priya_id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("session.create") && !page.contains("user.create"), "only Priya's records");
        let coordinator = app.user("coordinator").await;
        assert_eq!(get_page(&coordinator, "/clinic/admin/audit").await.0, StatusCode::FORBIDDEN);
    }
);

on_both_databases!(
    /// A follow-up link lets one patient answer one follow-up point without logging in: stored
    /// hashed, it works once (the answers scored and stored with the episode), a newer link
    /// revokes it, an expired one refuses, and a refused or incomplete form stores nothing.
    follow_up_links,
    async |app: &TestApp| {
        let clinician = app.user("clinician").await;
        let (_, episode_id) = patient_with_episode(&clinician, "LINK-1").await;
        let (_, assessment) = clinician.post(&format!("/api/v1/episodes/{episode_id}/assessments"), &vignette_input("herniation-sequence")).await;
        let assessment_id = assessment["assessment_id"].as_str().unwrap();
        clinician.post(&format!("/api/v1/assessments/{assessment_id}/decision"), &serde_json::json!({ "action": "accept" })).await;
        let (_, plan) = clinician.post(&format!("/api/v1/assessments/{assessment_id}/care-plan"), &serde_json::json!({})).await;
        let plan_id = plan["care_plan"]["care_plan_id"].as_str().unwrap().to_owned();
        let point = plan["follow_ups"][1]["follow_up_id"].as_str().unwrap().to_owned();
        let links = format!("/api/v1/care-plans/{plan_id}/follow-ups/{point}/links");
        let (status, first) = clinician.post(&links, &serde_json::json!({ "language": "es" })).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        let first = first["path"].as_str().unwrap().to_owned();
        let (_, second) = clinician.post(&links, &serde_json::json!({})).await;
        let second = second["path"].as_str().unwrap().to_owned();
        let patient = app.anonymous();
        assert_eq!(get_page(&patient, &first).await.0, StatusCode::GONE, "a newer link revokes the first");
        let (status, page) = get_page(&patient, &second).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("name=\"odi.10\"") && page.contains("name=\"global_change\""), "{page}");
        let token = second.strip_prefix("/f/").unwrap();
        assert_eq!(token.len(), 43, "256 random bits, base64url");
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.database_url).await.unwrap();
        let plain: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("select count(*) from follow_up_link where token_hash = '{token}'"))).fetch_one(&mut conn).await.unwrap();
        assert_eq!(plain, 0, "the secret is not stored");

        let before = app.counts().await;
        let partial = [("pain.back".to_owned(), "3".to_owned())];
        let (status, _, page) = post_form(&patient, &second, &partial).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("href=\"#pain-leg\"") && page.contains("href=\"#global_change\""), "{page}");
        let unchanged = |counts: &[(String, i64)]| counts.iter().filter(|(t, _)| t != "audit_log").cloned().collect::<Vec<_>>();
        assert_eq!(unchanged(&app.counts().await), unchanged(&before), "nothing stored");
        let mut answers: Vec<(String, String)> = (1..=10).map(|i| (format!("odi.{i}"), "1".to_owned())).collect();
        answers.extend([("pain.back".to_owned(), "3".to_owned()), ("pain.leg".to_owned(), "2".to_owned()), ("global_change".to_owned(), "much_improved".to_owned())]);
        let (status, _, page) = post_form(&patient, &second, &answers).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Thank you"), "{page}");
        let (_, responses) = clinician.get(&format!("/api/v1/episodes/{episode_id}/follow-ups")).await;
        let stored = &responses["items"][0];
        assert_eq!(stored["label"], plan["follow_ups"][1]["label"]);
        assert_eq!((stored["scores"]["odi"]["percent"].as_f64(), stored["scores"]["global_change"].as_str()), (Some(20.0), Some("much_improved")));
        assert_eq!(stored["scores"]["pain"]["leg"], 2);
        let after = app.counts().await;
        assert_eq!(post_form(&patient, &second, &answers).await.0, StatusCode::GONE, "single use");
        assert_eq!(unchanged(&app.counts().await), unchanged(&after), "a used link stores nothing");

        let (_, third) = clinician.post(&links, &serde_json::json!({})).await;
        let third = third["path"].as_str().unwrap().to_owned();
        crate::audit_trail::execute(app, "update follow_up_link set expires_at = '2000-01-01T00:00:00.000Z' where used_at is null and revoked_at is null").await.unwrap();
        assert_eq!(get_page(&patient, &third).await.0, StatusCode::GONE, "an expired link refuses");
        assert_eq!(post_form(&patient, &third, &answers).await.0, StatusCode::GONE);
        assert_eq!(get_page(&patient, "/f/not-a-link").await.0, StatusCode::GONE);
    }
);

on_both_databases!(
    /// One's own password changes on the account page (the API's work): the current password
    /// is checked, the new one must be long enough; the change ends every session, and the new
    /// password logs in.
    own_password_changes,
    async |app: &TestApp| {
        let token_user = app.user("coordinator").await;
        let (_, me) = token_user.get("/api/v1/session").await;
        let email = me["user"]["email"].as_str().unwrap().to_owned();
        let browser = app.login(&email, PASSWORD).await;
        assert_eq!(get_page(&browser, "/clinic/account").await.0, StatusCode::OK);
        let change = |current: &str, new: &str| vec![("current_password".to_owned(), current.to_owned()), ("new_password".to_owned(), new.to_owned())];
        let (status, _, page) = post_form(&browser, "/clinic/account/password", &change("not it", "a brand new password")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("href=\"#account-current_password\""), "{page}");
        let (status, _, page) = post_form(&browser, "/clinic/account/password", &change(PASSWORD, "short")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("href=\"#account-new_password\""), "{page}");
        let (status, location, _) = post_form(&browser, "/clinic/account/password", &change(PASSWORD, "a brand new password")).await;
        assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/clinic/login?ended=password&lang=en"));
        assert_eq!(get_page(&browser, "/clinic/").await.0, StatusCode::SEE_OTHER, "every session ended");
        assert_eq!(token_user.get("/api/v1/session").await.0, StatusCode::UNAUTHORIZED, "and every token");
        let again = app.login(&email, "a brand new password").await;
        let (status, _) = again.patch("/api/v1/account/password", &serde_json::json!({ "current_password": "a brand new password", "new_password": "a brand new password" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the new password must differ");
        let actions: Vec<String> = {
            let admin = app.user("admin").await;
            let (_, trail) = admin.get("/api/v1/audit?limit=100").await;
            trail["items"].as_array().unwrap().iter().filter(|r| r["action"] == "account.password").map(|r| r["outcome"].as_str().unwrap().to_owned()).collect()
        };
        assert!(actions.contains(&"ok".to_owned()) && actions.contains(&"invalid".to_owned()), "refusals are audited too: {actions:?}");
    }
);
