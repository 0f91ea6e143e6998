//! Throttling (issue 7, points 1–4): logins per account and per client, atomically under
//! concurrency; bounded password hashing; the public form per client and uploads per clinic.

use std::time::Duration;

use discpath_store::throttle::{self, Admission, Limit};
use discpath_web::ServeConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server::{Client, PASSWORD, TestApp, on_both_databases};

/// A login attempt's status and `Retry-After`.
async fn attempt(
    client: &Client,
    email: &str,
    password: &str,
    from: Option<&str>,
) -> (StatusCode, Option<u64>) {
    let mut request = client
        .request(reqwest::Method::POST, "/api/v1/session")
        .json(&json!({ "email": email, "password": password }));
    if let Some(address) = from {
        request = request.header("x-forwarded-for", address);
    }
    let response = request.send().await.unwrap();
    let retry = response.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok());
    (response.status(), retry)
}

/// The e-mail of a new user of the test clinic.
async fn new_account(app: &TestApp, role: &str) -> String {
    let user = app.user(role).await;
    let (_, me) = user.get("/api/v1/session").await;
    me["user"]["email"].as_str().unwrap().to_owned()
}

fn tally(statuses: &[StatusCode], wanted: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == wanted).count()
}

on_both_databases!(
    /// 60 simultaneous logins for one account (59 wrong, 1 right) pass at most the account's
    /// five free attempts; the rest are 429 without a password check. 150 simultaneous wrong
    /// guesses for another account: again at most five 401s.
    concurrent_logins_cannot_pass_the_throttle,
    // A delay longer than the burst, so that none ends during it.
    configured = |config: &mut ServeConfig| config.limits.login_account.base_delay_ms = 60_000,
    async |app: &TestApp| {
        let free = usize::try_from(ServeConfig::default().limits.login_account.free).unwrap();
        for (email, total, right) in [(new_account(app, "clinician").await, 60, Some(17)), (new_account(app, "admin").await, 150, None)] {
            let attempts = (0..total).map(|i| {
                let password = if Some(i) == right { PASSWORD } else { "wrong wrong wrong" };
                let (client, email) = (app.anonymous(), email.clone());
                async move { attempt(&client, &email, password, None).await }
            });
            let statuses: Vec<StatusCode> = futures_join_all(attempts).await.into_iter().map(|(s, _)| s).collect();
            let checked = tally(&statuses, StatusCode::UNAUTHORIZED) + tally(&statuses, StatusCode::OK);
            assert!(checked <= free, "{checked} passwords checked of {total}: {statuses:?}");
            assert_eq!(tally(&statuses, StatusCode::TOO_MANY_REQUESTS), total - checked, "{statuses:?}");
        }
    }
);

/// Joins futures without another dependency (each is driven by the runtime's tasks).
async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.unwrap());
    }
    outputs
}

on_both_databases!(
    /// The check and the count are one step; a success takes back only the attempts counted up
    /// to its own, never those after it; a refused attempt changes nothing.
    the_throttle_counts_atomically_and_forgives_only_the_past,
    async |app: &TestApp| {
        let limit = Limit { free: 10, window_ms: 60_000, base_delay_ms: 1000, max_delay_ms: 4000 };
        let now = 1_800_000_000_000;
        let mut tx = app.store.begin().await.unwrap();
        let mut counted = Vec::new();
        for _ in 0..6 {
            counted.push(throttle::admit(&mut tx, "test:key", &limit, 1, now).await.unwrap());
        }
        assert_eq!(counted.last(), Some(&Admission::Admitted { events: 6 }));
        // The fourth attempt succeeds after the fifth and sixth were counted.
        throttle::forgive(&mut tx, "test:key", &limit, 4).await.unwrap();
        assert_eq!(throttle::admit(&mut tx, "test:key", &limit, 1, now).await.unwrap(), Admission::Admitted { events: 3 });
        // Past the free ones, each next attempt waits a doubling delay; refusals change nothing.
        for expected in 4..=10 {
            assert_eq!(throttle::admit(&mut tx, "test:key", &limit, 1, now).await.unwrap(), Admission::Admitted { events: expected });
        }
        for _ in 0..3 {
            assert_eq!(throttle::admit(&mut tx, "test:key", &limit, 1, now + 500).await.unwrap(), Admission::Refused { retry_after_ms: 500 });
        }
        assert_eq!(throttle::admit(&mut tx, "test:key", &limit, 1, now + 1000).await.unwrap(), Admission::Admitted { events: 11 });
        assert_eq!(throttle::admit(&mut tx, "test:key", &limit, 1, now + 2000).await.unwrap(), Admission::Refused { retry_after_ms: 1000 });
        // A new window starts afresh.
        assert_eq!(throttle::admit(&mut tx, "test:key", &limit, 1, now + 70_000).await.unwrap(), Admission::Admitted { events: 1 });
        tx.commit().await.unwrap();
    }
);

on_both_databases!(
    /// With every hashing slot busy, a login waits briefly, then is answered 503 with
    /// `Retry-After` instead of taking another 19 MiB.
    password_hashing_is_bounded,
    configured = |config: &mut ServeConfig| {
        config.hashing_slots = 1;
        config.hashing_wait = Duration::from_millis(1);
        config.limits.login_account.free = 1000;
        config.limits.login_client.free = 1000;
    },
    async |app: &TestApp| {
        let attempts = (0..24).map(|i| {
            let client = app.anonymous();
            async move { attempt(&client, &format!("nobody{i}@test.example"), "wrong wrong wrong", None).await }
        });
        let answers = futures_join_all(attempts).await;
        let busy: Vec<_> = answers.iter().filter(|(s, _)| *s == StatusCode::SERVICE_UNAVAILABLE).collect();
        assert!(!busy.is_empty(), "{answers:?}");
        assert!(busy.iter().all(|(_, retry)| retry.is_some()), "503 says when to retry");
        assert!(answers.iter().all(|(s, _)| *s == StatusCode::UNAUTHORIZED || *s == StatusCode::SERVICE_UNAVAILABLE), "{answers:?}");
    }
);

on_both_databases!(
    /// Past its free attempts an account waits an increasing delay — never a lock: refused
    /// attempts do not extend it, the right password passes once it is over, and a success
    /// clears it. Clients are throttled on their own (behind a trusted proxy, by
    /// `X-Forwarded-For`). The clinic's administrator sees every attempt in the audit trail.
    login_throttling_delays_per_account_and_per_client,
    configured = |config: &mut ServeConfig| {
        config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        config.limits.login_account.free = 3;
        config.limits.login_account.base_delay_ms = 3000;
        config.limits.login_client.free = 4;
        config.limits.login_client.base_delay_ms = 60_000;
    },
    async |app: &TestApp| {
        let email = new_account(app, "clinician").await;
        let client = app.anonymous();
        let from = Some("203.0.113.1");
        for _ in 0..3 {
            assert_eq!(attempt(&client, &email, "wrong wrong wrong", from).await.0, StatusCode::UNAUTHORIZED);
        }
        for _ in 0..5 {
            let (status, retry) = attempt(&client, &email, PASSWORD, Some("203.0.113.2")).await;
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
            assert!(retry.is_some_and(|r| (1..=3).contains(&r)), "a short delay, not a 15-minute lock: {retry:?}");
        }
        // Two seconds into the three-second delay, another refusal; had refusals extended the
        // delay, it would now end three seconds after this one.
        tokio::time::sleep(Duration::from_millis(2000)).await;
        assert_eq!(attempt(&client, &email, PASSWORD, Some("203.0.113.2")).await.0, StatusCode::TOO_MANY_REQUESTS);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(attempt(&client, &email, PASSWORD, Some("203.0.113.2")).await.0, StatusCode::OK, "refusals did not extend the delay");
        assert_eq!(attempt(&client, &email, "wrong wrong wrong", from).await.0, StatusCode::UNAUTHORIZED, "the success cleared the account's delay");

        // One client guessing across accounts is stopped by its own limit; another is not.
        let spray = Some("198.51.100.7");
        for i in 0..4 {
            assert_eq!(attempt(&client, &format!("guess{i}@test.example"), "wrong wrong wrong", spray).await.0, StatusCode::UNAUTHORIZED);
        }
        let (status, retry) = attempt(&client, "guess9@test.example", "wrong wrong wrong", spray).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!(retry.is_some_and(|r| r > 1), "{retry:?}");
        assert_eq!(attempt(&client, "guess9@test.example", "wrong wrong wrong", Some("198.51.100.8")).await.0, StatusCode::UNAUTHORIZED);

        let admin = app.user("admin").await;
        let (_, trail) = admin.get("/api/v1/audit?limit=100").await;
        let logins: Vec<&Value> = trail["items"].as_array().unwrap().iter().filter(|r| r["action"] == "session.create" && r["outcome"] != "ok").collect();
        let outcomes: Vec<&str> = logins.iter().map(|r| r["outcome"].as_str().unwrap()).collect();
        assert_eq!(tally_str(&outcomes, "denied"), 4, "{outcomes:?}");
        assert_eq!(tally_str(&outcomes, "throttled"), 6, "{outcomes:?}");
        assert!(logins.iter().all(|r| r["actor"] == "anonymous" && r["resource"].is_string()), "the account is named: {logins:?}");
    }
);

fn tally_str(items: &[&str], wanted: &str) -> usize {
    items.iter().filter(|s| **s == wanted).count()
}

/// A consultation-request form, with an MRI report of `size` bytes if any.
fn form(report_size: Option<usize>) -> reqwest::multipart::Form {
    let form = reqwest::multipart::Form::new()
        .text("name", "Rosa Díaz")
        .text("email", "rosa@example.com")
        .text("message", "Pain down my left leg.")
        .text("consent", "yes");
    match report_size {
        None => form,
        Some(size) => {
            let mut content = b"%PDF-1.4\n".to_vec();
            content.resize(size, b'0');
            form.part("mri_report", reqwest::multipart::Part::bytes(content).file_name("mri.pdf"))
        }
    }
}

async fn post_form(
    app: &TestApp,
    from: &str,
    report_size: Option<usize>,
) -> (StatusCode, Option<u64>) {
    let response = app
        .anonymous()
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/clinics/{}/consultation-requests", app.clinic_id),
        )
        .header("x-forwarded-for", from)
        .multipart(form(report_size))
        .send()
        .await
        .unwrap();
    let retry = response.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok());
    (response.status(), retry)
}

on_both_databases!(
    /// The public form takes a few posts per client, then answers 429 with `Retry-After`; a
    /// clinic's uploads stop at its daily quota; refused posts store nothing.
    the_public_form_is_limited_per_client_and_uploads_per_clinic,
    configured = |config: &mut ServeConfig| {
        config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        config.limits.form_client.free = 3;
        config.limits.upload_clinic.free = 100 * 1024;
    },
    async |app: &TestApp| {
        for _ in 0..3 {
            assert_eq!(post_form(app, "203.0.113.1", None).await.0, StatusCode::CREATED);
        }
        let before = app.counts().await;
        let (status, retry) = post_form(app, "203.0.113.1", None).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!(retry.is_some_and(|r| r >= 59), "{retry:?}");
        assert_eq!(post_form(app, "203.0.113.2", Some(60 * 1024)).await.0, StatusCode::CREATED);
        let stored = app.counts().await;
        let (status, _) = post_form(app, "203.0.113.3", Some(60 * 1024)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the clinic's upload quota is used up");
        assert_eq!(app.counts().await, stored, "a refused upload stores nothing");
        assert_eq!(post_form(app, "203.0.113.3", None).await.0, StatusCode::CREATED, "a request without a file still goes through");
        assert_ne!(before, stored);
    }
);
