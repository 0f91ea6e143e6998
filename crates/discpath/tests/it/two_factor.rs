//! Two-factor sign-in: set up and confirmed with a first code, then required at login (each code
//! once), removable with a current code; a clinic that requires it of its administrators refuses
//! them every permission until they set it up, and cannot be set so by an administrator without it.

use reqwest::StatusCode;
use serde_json::{Value, json};
use totp_rs::{Builder, Secret};

use crate::server::{Client, PASSWORD, TestApp, on_both_databases};

/// What an authenticator app shows for `secret`, `steps` steps of 30 s from now.
fn code(secret: &str, steps: i64) -> String {
    let totp =
        Builder::new().with_secret(Secret::try_from_base32(secret).unwrap()).build().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    totp.generate(now.saturating_add_signed(steps * 30)).to_string()
}

/// A six-digit code that is not `code`.
fn other_than(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

async fn email_of(client: &Client) -> String {
    client.get("/api/v1/session").await.1["user"]["email"].as_str().unwrap().to_owned()
}

async fn log_in(app: &TestApp, email: &str, code: Option<&str>) -> (StatusCode, Value) {
    let mut body = json!({ "email": email, "password": PASSWORD });
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    app.anonymous().post("/api/v1/session", &body).await
}

/// Sets up and confirms the second factor of `client`; returns its secret.
async fn set_up(client: &Client) -> String {
    let (status, started) = client.post("/api/v1/account/totp", &json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let secret = started["secret"].as_str().unwrap().to_owned();
    assert!(started["address"].as_str().unwrap().starts_with("otpauth://totp/discpath%3A"));
    let (status, body) = client
        .post("/api/v1/account/totp/confirm", &json!({ "code": other_than(&code(&secret, 0)) }))
        .await;
    assert_eq!(
        (status, body["error"]["fields"][0]["path"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("code")),
        "a wrong code does not confirm"
    );
    let (status, body) =
        client.post("/api/v1/account/totp/confirm", &json!({ "code": code(&secret, 0) })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    secret
}

on_both_databases!(
    /// A user's second factor: confirmed, then asked at every login, each code accepted once;
    /// removed with a current code, then not asked.
    second_factor_at_login,
    async |app: &TestApp| {
        let clinician = app.user("clinician").await;
        let email = email_of(&clinician).await;
        let secret = set_up(&clinician).await;
        let (status, body) = clinician.post("/api/v1/account/totp", &json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "one at a time: {body}");

        let (status, body) = log_in(app, &email, None).await;
        assert_eq!((status, body["error"]["fields"][0]["path"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("code")), "the code is asked");
        let spent = code(&secret, 0);
        assert_eq!(log_in(app, &email, Some(&spent)).await.0, StatusCode::UNPROCESSABLE_ENTITY, "the code that confirmed is spent");
        let next = code(&secret, 1);
        assert_eq!(log_in(app, &email, Some(&next)).await.0, StatusCode::OK, "the next step's code (clock drift) logs in");
        assert_eq!(log_in(app, &email, Some(&next)).await.0, StatusCode::UNPROCESSABLE_ENTITY, "and only once");
        let (status, body) = app.anonymous().post("/api/v1/session", &json!({ "email": email, "password": "wrong password!", "code": code(&secret, 1) })).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "a code does not stand in for the password: {body}");

        // Every later step's code is spent by the login, so the removal is shown on another
        // user: a malformed code is refused, a current one removes it, then no code is asked.
        let coordinator = app.user("coordinator").await;
        let secret = set_up(&coordinator).await;
        let (status, body) = coordinator.post("/api/v1/account/totp/remove", &json!({ "code": "12x" })).await;
        assert_eq!((status, body["error"]["fields"][0]["path"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("code")));
        let (status, body) = coordinator.post("/api/v1/account/totp/remove", &json!({ "code": code(&secret, 1) })).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        assert_eq!(log_in(app, &email_of(&coordinator).await, None).await.0, StatusCode::OK, "no code asked any more");
    }
);

on_both_databases!(
    /// A clinic that requires a second factor of its administrators: refused to an administrator
    /// without one; then an administrator without one is refused every permission (the API says
    /// why, the pages send them to their account) but reaches their account and sets it up.
    administrators_required_to_use_a_second_factor,
    async |app: &TestApp| {
        let admin = app.user("admin").await;
        let (status, body) = admin.patch("/api/v1/clinic", &json!({ "admin_totp_required": true })).await;
        assert_eq!((status, body["error"]["fields"][0]["path"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("admin_totp_required")));
        let secret = set_up(&admin).await;
        let (status, clinic) = admin.patch("/api/v1/clinic", &json!({ "admin_totp_required": true })).await;
        assert_eq!((status, clinic["admin_totp_required"].as_i64()), (StatusCode::OK, Some(1)));
        let (status, body) = admin.post("/api/v1/account/totp/remove", &json!({ "code": code(&secret, 1) })).await;
        assert_eq!(status, StatusCode::CONFLICT, "the clinic requires it: {body}");

        let other = app.user("admin").await;
        let (status, body) = other.get("/api/v1/users").await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("second_factor_required")));
        let page = other.request(reqwest::Method::GET, "/clinic/admin").send().await.unwrap();
        assert_eq!(page.status(), StatusCode::SEE_OTHER);
        assert_eq!(page.headers()["location"], "/clinic/account#two-factor");
        set_up(&other).await;
        assert_eq!(other.get("/api/v1/users").await.0, StatusCode::OK, "set up, the permissions are back");
        let clinician = app.user("clinician").await;
        assert_eq!(clinician.get("/api/v1/patients").await.0, StatusCode::OK, "the requirement is the administrators'");
    }
);
