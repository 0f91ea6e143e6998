//! Accounts and roles: the route/role matrix, sessions, tokens, users (throttling: see
//! `throttling`).

use discpath_web::{Access, Role, route_table};
use reqwest::StatusCode;
use serde_json::json;

use crate::server::{PASSWORD, TestApp, on_both_databases};

/// A concrete URL for a route template (every parameter a fresh id).
fn url(path: &str) -> String {
    path.split('/')
        .map(
            |part| {
                if part.starts_with('{') {
                    uuid::Uuid::now_v7().to_string()
                } else {
                    part.to_owned()
                }
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

async fn call(client: &crate::server::Client, method: &str, path: &str) -> StatusCode {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let request = client.request(method.clone(), path);
    let request = if method == reqwest::Method::GET || method == reqwest::Method::DELETE {
        request
    } else {
        request.json(&json!({}))
    };
    request.send().await.unwrap().status()
}

on_both_databases!(
    /// Every registered route refuses anonymous callers (401; the clinic's pages: 303 to their
    /// login page) unless it is public, and refuses every role that lacks its permission (403);
    /// roles that have it get past the check.
    every_route_checks_authentication_and_role,
    async |app: &TestApp| {
        let table = route_table();
        assert!(table.len() >= 35, "the route table lists every route");
        let anonymous = app.anonymous();
        let mut clients = Vec::new();
        for role in Role::ALL {
            clients.push((role, app.user(role.as_str()).await));
        }
        let mut checked = 0;
        for route in &table {
            let path = url(route.path);
            let status = call(&anonymous, route.method, &path).await;
            match route.access {
                Access::Public | Access::Monitoring => assert_ne!(status, StatusCode::UNAUTHORIZED, "{} {}", route.method, route.path),
                // The clinic's pages send an anonymous visitor to their login page.
                _ if route.path.starts_with("/clinic/") => assert_eq!(status, StatusCode::SEE_OTHER, "anonymous {} {}", route.method, route.path),
                _ => assert_eq!(status, StatusCode::UNAUTHORIZED, "anonymous {} {}", route.method, route.path),
            }
            for (role, client) in &clients {
                // Logging out ends the credential: log out a throwaway one.
                let status = if matches!((route.method, route.path), ("DELETE", "/api/v1/session") | ("POST", "/clinic/logout")) {
                    call(&app.user(role.as_str()).await, route.method, &path).await
                } else {
                    call(client, route.method, &path).await
                };
                let allowed = match route.access {
                    Access::Public | Access::Monitoring | Access::Authenticated => true,
                    Access::Requires(permission) => role.allows(permission),
                    Access::CdsClient => {
                        assert_eq!(status, StatusCode::UNAUTHORIZED, "a user's credential is not an EHR's JWT: {} {}", route.method, route.path);
                        checked += 1;
                        continue;
                    }
                };
                if allowed {
                    assert!(status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED, "{role:?} {} {}: {status}", route.method, route.path);
                } else {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} {} {}", route.method, route.path);
                }
                checked += 1;
            }
        }
        assert_eq!(checked, table.len() * 3);
    }
);

on_both_databases!(
    /// Login sets an HttpOnly, Secure, SameSite=Lax cookie with an expiry; logout ends the
    /// session; wrong passwords are refused alike whether or not the e-mail exists.
    sessions,
    async |app: &TestApp| {
        let admin = app.user("admin").await;
        let (_, me) = admin.get("/api/v1/session").await;
        let email = me["user"]["email"].as_str().unwrap().to_owned();
        let http = reqwest::Client::new();
        let response = http.post(format!("{}/api/v1/session", app.base)).json(&json!({ "email": email, "password": PASSWORD })).send().await.unwrap();
        let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
        for attribute in ["discpath_session=", "HttpOnly", "Secure", "SameSite=Lax", "Max-Age=3600", "Path=/"] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        let session = app.login(&email, PASSWORD).await;
        assert_eq!(session.get("/api/v1/session").await.0, StatusCode::OK);
        assert_eq!(session.delete("/api/v1/session").await.0, StatusCode::NO_CONTENT);
        assert_eq!(session.get("/api/v1/session").await.0, StatusCode::UNAUTHORIZED);
        let anonymous = app.anonymous();
        let (wrong, body) = anonymous.post("/api/v1/session", &json!({ "email": email, "password": "not the password" })).await;
        let (unknown, other) = anonymous.post("/api/v1/session", &json!({ "email": "nobody@test.example", "password": "not the password" })).await;
        assert_eq!((wrong, unknown), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
        assert_eq!(body, other, "the same answer for a wrong password and an unknown e-mail");
    }
);

on_both_databases!(
    /// API tokens are shown once, listed without their secret, and stop working when revoked.
    api_tokens,
    async |app: &TestApp| {
        let user = app.user("coordinator").await;
        let (status, created) = user.post("/api/v1/tokens", &json!({ "name": "EHR integration" })).await;
        assert_eq!(status, StatusCode::CREATED);
        let secret = created["token"].as_str().unwrap();
        assert!(secret.starts_with("dpt_"));
        let integration = crate::server::Client { http: reqwest::Client::new(), base: app.base.clone(), token: Some(secret.to_owned()) };
        assert_eq!(integration.get("/api/v1/patients").await.0, StatusCode::OK);
        let (_, tokens) = user.get("/api/v1/tokens").await;
        assert!(tokens.as_array().unwrap().iter().all(|t| t.get("token").is_none() && t.get("token_hash").is_none()));
        let token_id = created["token_id"].as_str().unwrap();
        assert_eq!(user.delete(&format!("/api/v1/tokens/{token_id}")).await.0, StatusCode::NO_CONTENT);
        assert_eq!(integration.get("/api/v1/patients").await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(user.delete(&format!("/api/v1/tokens/{token_id}")).await.0, StatusCode::NOT_FOUND);
    }
);

on_both_databases!(
    /// Administrators manage accounts; a disabled account cannot log in.
    user_management,
    async |app: &TestApp| {
        let admin = app.user("admin").await;
        let new_user = json!({ "email": "new.clinician@test.example", "name": "New Clinician", "role": "clinician", "password": "long enough password" });
        let (status, created) = admin.post("/api/v1/users", &new_user).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert!(created.get("password_hash").is_none());
        assert_eq!(admin.post("/api/v1/users", &new_user).await.0, StatusCode::UNPROCESSABLE_ENTITY, "the e-mail is taken");
        let (status, short) = admin.post("/api/v1/users", &json!({ "email": "x@test.example", "name": "X", "role": "admin", "password": "short" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(short["error"]["fields"][0]["path"], "password");
        let clinician = app.login("new.clinician@test.example", "long enough password").await;
        assert_eq!(clinician.get("/api/v1/patients").await.0, StatusCode::OK);
        let user_id = created["user_id"].as_str().unwrap();
        let (status, _) = admin.patch(&format!("/api/v1/users/{user_id}"), &json!({ "disabled": true })).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(clinician.get("/api/v1/patients").await.0, StatusCode::UNAUTHORIZED, "the live session ends too");
        let (status, _) = app.anonymous().post("/api/v1/session", &json!({ "email": "new.clinician@test.example", "password": "long enough password" })).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (_, me) = admin.get("/api/v1/session").await;
        let (status, _) = admin.patch(&format!("/api/v1/users/{}", me["user"]["user_id"].as_str().unwrap()), &json!({ "role": "clinician" })).await;
        assert_eq!(status, StatusCode::CONFLICT, "an administrator cannot demote themselves");
    }
);

on_both_databases!(
    /// A cross-site form post carrying the session cookie is refused (CSRF).
    cross_site_posts_are_refused,
    async |app: &TestApp| {
        let admin = app.user("admin").await;
        let (_, me) = admin.get("/api/v1/session").await;
        let session = app.login(me["user"]["email"].as_str().unwrap(), PASSWORD).await;
        let response = session
            .request(reqwest::Method::POST, "/api/v1/tokens")
            .header("sec-fetch-site", "cross-site")
            .header("origin", "https://attacker.example")
            .json(&json!({ "name": "stolen" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "cross_site_request");
    }
);
