//! Hardening found by probing from outside (issue 7, points 5–12): connection timeouts and a
//! bounded shutdown, bounded metrics, credentials that end, security headers, audit of list
//! reads, input hygiene, one error shape, no e-mail enumeration.

use std::time::{Duration, Instant};

use discpath_web::ServeConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::server::{Client, PASSWORD, TestApp, on_both_databases};

/// Whether the server closes a connection within `within` (reads until end of stream).
async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    let mut buffer = [0u8; 1024];
    let read = async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(within, read).await.is_ok()
}

on_both_databases!(
    /// A connection that sends a partial request line, or nothing, is closed after the
    /// header-read timeout; a shutdown waits for a request in flight at most its grace period.
    slow_clients_cannot_hold_connections_or_shutdown,
    configured = |config: &mut ServeConfig| {
        config.header_read_timeout = Duration::from_secs(1);
        config.shutdown_grace = Duration::from_secs(1);
    },
    async |app: &TestApp| {
        let mut partial = tokio::net::TcpStream::connect(app.address()).await.unwrap();
        partial.write_all(b"GET /healthz HTTP/1.1\r\nHost: loc").await.unwrap();
        let mut idle = tokio::net::TcpStream::connect(app.address()).await.unwrap();
        assert!(closed_within(&mut partial, Duration::from_secs(4)).await, "a partial request is cut off");
        assert!(closed_within(&mut idle, Duration::from_secs(4)).await, "an idle connection is closed");

        // A request whose body never arrives is in flight when the shutdown begins.
        let mut slow = tokio::net::TcpStream::connect(app.address()).await.unwrap();
        let head = format!("POST /api/v1/session HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{", app.address());
        slow.write_all(head.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let started = Instant::now();
        app.stop_server().await;
        assert!(started.elapsed() < Duration::from_secs(4), "shutdown took {:?}", started.elapsed());
    }
);

/// The metrics exposition.
async fn metrics(client: &Client) -> (StatusCode, String) {
    let response = client.request(reqwest::Method::GET, "/metrics").send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

on_both_databases!(
    /// Unknown methods do not become labels (a 4,000-character method adds nothing); only
    /// loopback clients read `/metrics` without a token.
    metrics_labels_are_bounded_and_reading_them_is_restricted,
    configured = |config: &mut ServeConfig| {
        config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    },
    async |app: &TestApp| {
        let anonymous = app.anonymous();
        anonymous.request(reqwest::Method::from_bytes(b"BREW").unwrap(), "/healthz").send().await.unwrap();
        metrics(&anonymous).await;
        let (_, before) = metrics(&anonymous).await;
        let long = "X".repeat(4000);
        let status = anonymous.request(reqwest::Method::from_bytes(long.as_bytes()).unwrap(), "/healthz").send().await.unwrap().status();
        assert!(status.is_client_error(), "{status}");
        let (status, after) = metrics(&anonymous).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!after.contains("BREW") && !after.contains("XXXX"), "methods are bounded");
        assert!(after.contains("method=\"other\""), "{after}");
        assert!(after.len() < before.len() + 100, "{} → {} bytes: no new series", before.len(), after.len());
        let response = anonymous.request(reqwest::Method::GET, "/metrics").header("x-forwarded-for", "203.0.113.9").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "a client behind the proxy is not loopback");
    }
);

on_both_databases!(
    /// With a metrics token configured, `/metrics` requires it, from anywhere.
    metrics_can_require_a_token,
    configured = |config: &mut ServeConfig| {
        config.metrics_token = Some("metrics-secret-0123456789".to_owned());
    },
    async |app: &TestApp| {
        let anonymous = app.anonymous();
        assert_eq!(metrics(&anonymous).await.0, StatusCode::FORBIDDEN);
        let monitor = Client { http: reqwest::Client::new(), base: app.base.clone(), token: Some("metrics-secret-0123456789".to_owned()) };
        assert_eq!(metrics(&monitor).await.0, StatusCode::OK);
    }
);

/// A user of the test clinic: (user id, e-mail, a session client, a token client).
async fn account(app: &TestApp, role: &str) -> (String, String, Client, Client) {
    let token = app.user(role).await;
    let (_, me) = token.get("/api/v1/session").await;
    let email = me["user"]["email"].as_str().unwrap().to_owned();
    let session = app.login(&email, PASSWORD).await;
    (me["user"]["user_id"].as_str().unwrap().to_owned(), email, session, token)
}

on_both_databases!(
    /// A password change, or disabling the account, ends every session and token of the user —
    /// and re-enabling revives none; logging out with a token revokes it; tokens expire (90 days
    /// unless asked otherwise); a demo restart does not re-enable a disabled demo account.
    credentials_end_when_they_should,
    async |app: &TestApp| {
        let admin = app.user("admin").await;
        let (user_id, email, session, token) = account(app, "clinician").await;
        let (status, _) = admin.patch(&format!("/api/v1/users/{user_id}"), &json!({ "password": "a brand new password" })).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(session.get("/api/v1/session").await.0, StatusCode::UNAUTHORIZED, "the old session ended");
        assert_eq!(token.get("/api/v1/session").await.0, StatusCode::UNAUTHORIZED, "the old token ended");
        assert_eq!(app.login(&email, "a brand new password").await.get("/api/v1/session").await.0, StatusCode::OK);

        let (user_id, _, session, token) = account(app, "coordinator").await;
        let path = format!("/api/v1/users/{user_id}");
        assert_eq!(admin.patch(&path, &json!({ "disabled": true })).await.0, StatusCode::OK);
        assert_eq!(admin.patch(&path, &json!({ "disabled": false })).await.0, StatusCode::OK);
        assert_eq!(session.get("/api/v1/session").await.0, StatusCode::UNAUTHORIZED, "re-enabling revives no session");
        assert_eq!(token.get("/api/v1/session").await.0, StatusCode::UNAUTHORIZED, "re-enabling revives no token");

        let (_, _, session, token) = account(app, "clinician").await;
        assert_eq!(token.delete("/api/v1/session").await.0, StatusCode::NO_CONTENT);
        assert_eq!(token.get("/api/v1/session").await.0, StatusCode::UNAUTHORIZED, "logging out with a token revokes it");
        assert_eq!(session.get("/api/v1/session").await.0, StatusCode::OK);

        let (status, created) = session.post("/api/v1/tokens", &json!({ "name": "EHR" })).await;
        assert_eq!(status, StatusCode::CREATED);
        let expires = created["expires_at"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
        let days = (expires - jiff::Timestamp::now()).total(jiff::Unit::Hour).unwrap() / 24.0;
        assert!((89.9..=90.0).contains(&days), "{days}");
        let (status, short) = session.post("/api/v1/tokens", &json!({ "name": "one day", "expires_in_days": 1 })).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, bad) = session.post("/api/v1/tokens", &json!({ "name": "forever", "expires_in_days": 10000 })).await;
        assert_eq!((status, &bad["error"]["fields"][0]["path"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("expires_in_days")));
        let (_, listed) = session.get("/api/v1/tokens").await;
        assert!(listed.as_array().unwrap().iter().all(|t| t["expires_at"].is_string()), "{listed}");
        // An expired token no longer works.
        let one_day = Client { http: reqwest::Client::new(), base: app.base.clone(), token: Some(short["token"].as_str().unwrap().to_owned()) };
        assert_eq!(one_day.get("/api/v1/session").await.0, StatusCode::OK);
        execute_sql(app, &format!("update api_token set expires_at = '2020-01-01T00:00:00.000Z' where token_id = '{}'", short["token_id"].as_str().unwrap())).await;
        assert_eq!(one_day.get("/api/v1/session").await.0, StatusCode::UNAUTHORIZED);

        // A demo restart keeps a disabled demo account disabled.
        let kb = discpath_kb::load_embedded().unwrap();
        discpath_web::demo::seed(&app.store, &kb).await.unwrap();
        execute_sql(app, "update app_user set disabled = 1 where email = 'demo-clinician@discpath.example'").await;
        let login = discpath_web::demo::seed(&app.store, &kb).await.unwrap();
        assert!(login.accounts.iter().all(|(email, _)| email != "demo-clinician@discpath.example"));
        let (status, _) = app.anonymous().post("/api/v1/session", &json!({ "email": "demo-clinician@discpath.example", "password": login.password })).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
);

async fn execute_sql(app: &TestApp, sql: &str) {
    use sqlx::Connection as _;
    let mut conn = sqlx::AnyConnection::connect(&app.database_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.unwrap();
}

/// A PDF of a few bytes.
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";

/// Posts the public form with these parts (`(name, text)`, and files `(name, bytes)`).
async fn post_parts(
    app: &TestApp,
    texts: &[(&str, &str)],
    files: &[(&str, &[u8])],
) -> (StatusCode, Value) {
    let mut form = reqwest::multipart::Form::new();
    for (name, text) in texts {
        form = form.text(name.to_string(), text.to_string());
    }
    for (name, bytes) in files {
        form = form.part(
            name.to_string(),
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("report.pdf"),
        );
    }
    let response = app
        .anonymous()
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/clinics/{}/consultation-requests", app.clinic_id),
        )
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

const PATIENT_FORM: [(&str, &str); 3] =
    [("name", "Pat Public"), ("email", "pat@example.org"), ("consent", "yes")];

on_both_databases!(
    /// Every response carries the security headers; the MRI report downloads sandboxed with the
    /// right extension; a "PDF" that carries HTML or script is refused at upload.
    security_headers_and_safe_downloads,
    async |app: &TestApp| {
        let coordinator = app.user("coordinator").await;
        for (client, path) in [(&app.anonymous(), "/healthz"), (&app.anonymous(), "/no/such/route"), (&coordinator, "/api/v1/patients"), (&app.anonymous(), "/api/v1/patients")] {
            let response = client.request(reqwest::Method::GET, path).send().await.unwrap();
            let headers = response.headers();
            assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
            assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"), "{path}");
            assert_eq!(headers["cache-control"], "no-store", "{path}");
            assert!(headers["strict-transport-security"].to_str().unwrap().starts_with("max-age="), "{path}");
        }
        let (status, created) = post_parts(app, &PATIENT_FORM, &[("mri_report", PDF)]).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["request_id"].as_str().unwrap();
        let response = coordinator.request(reqwest::Method::GET, &format!("/api/v1/consultation-requests/{id}/mri-report")).send().await.unwrap();
        assert!(response.headers()["content-security-policy"].to_str().unwrap().starts_with("sandbox"));
        assert_eq!(response.headers()["content-disposition"].to_str().unwrap(), format!("attachment; filename=\"mri-report-{id}.pdf\""));
        let before = app.counts().await;
        for polyglot in [&b"%PDF-1.4\n<html><script>alert(1)</script></html>"[..], b"%PDF-1.4\n<</OpenAction <</S /JavaScript /JS (app.alert(1))>>>>"] {
            let (status, body) = post_parts(app, &PATIENT_FORM, &[("mri_report", polyglot)]).await;
            assert_eq!((status, &body["error"]["fields"][0]["path"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("mri_report")), "{body}");
        }
        assert_eq!(app.counts().await, before);
    }
);

on_both_databases!(
    /// A patient search records every patient it returned, so each patient's trail shows it; a
    /// failed login for a known account is recorded in that account's clinic.
    list_reads_record_the_patients_they_returned,
    async |app: &TestApp| {
        let coordinator = app.user("coordinator").await;
        let mut ids = Vec::new();
        for (mrn, name) in [("A-1", "Whitney Hall"), ("A-2", "Walter White"), ("A-3", "Ann Other")] {
            let (_, patient) = coordinator.post("/api/v1/patients", &json!({ "mrn": mrn, "name": name, "birth_date": "1970-01-01", "sex": "female" })).await;
            ids.push(patient["patient_id"].as_str().unwrap().to_owned());
        }
        let (status, found) = coordinator.get("/api/v1/patients?q=whit").await;
        assert_eq!((status, found["items"].as_array().unwrap().len()), (StatusCode::OK, 2));
        let admin = app.user("admin").await;
        for (id, listed) in ids.iter().zip([true, true, false]) {
            let (_, trail) = admin.get(&format!("/api/v1/audit?patient_id={id}")).await;
            let lists = trail["items"].as_array().unwrap().iter().filter(|r| r["action"] == "patient.list").count();
            assert_eq!(lists, usize::from(listed), "{id}: {trail}");
        }
        let (_, me) = coordinator.get("/api/v1/session").await;
        let email = me["user"]["email"].as_str().unwrap();
        app.anonymous().post("/api/v1/session", &json!({ "email": email, "password": "not the password" })).await;
        let (_, trail) = admin.get("/api/v1/audit?limit=100").await;
        assert!(trail["items"].as_array().unwrap().iter().any(|r| r["action"] == "session.create" && r["outcome"] == "denied" && r["resource"] == me["user"]["user_id"]), "{trail}");
    }
);

on_both_databases!(
    /// A client's request id is kept only when it is a UUID; control characters and direction
    /// overrides are refused in text with the field named; a zero-byte or repeated MRI report is
    /// a 422.
    input_hygiene,
    async |app: &TestApp| {
        let coordinator = app.user("coordinator").await;
        let long_id = format!("Whitney Hall {}", "x".repeat(20_000));
        let response = coordinator.request(reqwest::Method::GET, "/api/v1/patients").header("x-request-id", &long_id).send().await.unwrap();
        let echoed = response.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(uuid::Uuid::try_parse(&echoed).is_ok(), "{echoed:.60}");
        let kept = uuid::Uuid::now_v7().to_string();
        let response = coordinator.request(reqwest::Method::GET, "/api/v1/patients").header("x-request-id", &kept).send().await.unwrap();
        assert_eq!(response.headers()["x-request-id"].to_str().unwrap(), kept);
        let admin = app.user("admin").await;
        let (_, trail) = admin.get("/api/v1/audit?limit=100").await;
        assert!(trail["items"].as_array().unwrap().iter().all(|r| r["request_id"].as_str().is_none_or(|id| id.len() <= 36)), "no long request id stored");

        let before = app.counts().await;
        for name in ["Ann\u{0}Other", "Ann \u{1b}[31mOther", "Ann \u{202E}rehtO", "Ann\nOther"] {
            let (status, body) = coordinator.post("/api/v1/patients", &json!({ "mrn": "H-1", "name": name, "birth_date": "1970-01-01", "sex": "female" })).await;
            assert_eq!((status, &body["error"]["fields"][0]["path"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("name")), "{name:?}: {body}");
        }
        let (status, body) = post_parts(app, &PATIENT_FORM, &[("mri_report", b"")]).await;
        assert_eq!((status, &body["error"]["fields"][0]["path"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("mri_report")), "{body}");
        let (status, body) = post_parts(app, &PATIENT_FORM, &[("mri_report", PDF), ("mri_report", PDF)]).await;
        assert_eq!((status, &body["error"]["fields"][0]["path"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("mri_report")), "{body}");
        let (status, body) = post_parts(app, &[PATIENT_FORM[0], PATIENT_FORM[1], ("name", "Someone Else")], &[]).await;
        assert_eq!((status, &body["error"]["fields"][0]["path"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("name")), "{body}");
        assert_eq!(app.counts().await, before, "nothing stored");
    }
);

/// Status, content type and body of a request.
async fn raw(
    client: &Client,
    method: &str,
    path: &str,
) -> (StatusCode, String, Option<String>, Value) {
    let response = client
        .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), path)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let allow = response.headers().get("allow").map(|v| v.to_str().unwrap().to_owned());
    (status, content_type, allow, response.json().await.unwrap_or(Value::Null))
}

on_both_databases!(
    /// Malformed queries, undecodable path ids and unsupported methods answer the documented
    /// JSON error (405 with `Allow`).
    one_error_shape_everywhere,
    async |app: &TestApp| {
        let coordinator = app.user("coordinator").await;
        for (method, path, expected) in [
            ("GET", "/api/v1/patients?limit=1&limit=2", StatusCode::UNPROCESSABLE_ENTITY),
            ("GET", "/api/v1/consultation-requests?cursor=a&cursor=b", StatusCode::UNPROCESSABLE_ENTITY),
            ("GET", "/api/v1/patients/%FF%FE", StatusCode::UNPROCESSABLE_ENTITY),
            ("PUT", "/api/v1/patients", StatusCode::METHOD_NOT_ALLOWED),
            ("DELETE", "/healthz", StatusCode::METHOD_NOT_ALLOWED),
        ] {
            let (status, content_type, allow, body) = raw(&coordinator, method, path).await;
            assert_eq!(status, expected, "{method} {path}: {body}");
            assert_eq!(content_type, "application/json", "{method} {path}");
            assert!(body["error"]["code"].is_string(), "{method} {path}: {body}");
            if expected == StatusCode::METHOD_NOT_ALLOWED {
                assert!(allow.as_deref().is_some_and(|a| a.contains("GET")), "{method} {path}: {allow:?}");
            }
        }
    }
);

on_both_databases!(
    /// Creating a user with an e-mail another clinic uses gets the same answer as any taken
    /// address, naming no account.
    email_conflicts_reveal_no_account,
    async |app: &TestApp| {
        let other_admin = app.user_in(&discpath_store::new_id(), "admin").await;
        let (_, other) = other_admin.get("/api/v1/session").await;
        let admin = app.user("admin").await;
        let (_, me) = admin.get("/api/v1/session").await;
        let mut answers = Vec::new();
        for email in [other["user"]["email"].as_str().unwrap(), me["user"]["email"].as_str().unwrap()] {
            let (status, body) = admin.post("/api/v1/users", &json!({ "email": email, "name": "Copy", "role": "clinician", "password": "long enough password" })).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert!(!body.to_string().contains(email) && !body.to_string().contains("already has an account"), "{body}");
            answers.push(body);
        }
        assert_eq!(answers[0], answers[1], "the same answer whichever clinic holds the address");
    }
);
