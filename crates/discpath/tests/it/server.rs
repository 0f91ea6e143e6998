//! The real server, started in-process on port 0 with a fresh database: a temporary SQLite file,
//! or a new database on the machine's PostgreSQL (`DISCPATH_TEST_POSTGRES`, default
//! `postgres://postgres@127.0.0.1:5432/test`). Every server test runs on both.

use std::time::Duration;

use discpath_store::accounts::{self, User};
use discpath_store::{Store, new_id};
use discpath_web::ServeConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection as _;
use tokio::sync::{OnceCell, oneshot};

/// Which database a test server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Db {
    Sqlite,
    Postgres,
}

/// The password of every test user.
pub(crate) const PASSWORD: &str = "correct horse battery staple";

fn postgres_admin_url() -> String {
    std::env::var("DISCPATH_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A running test server.
pub(crate) struct TestApp {
    pub base: String,
    pub store: Store,
    pub database_url: String,
    pub clinic_id: String,
    shutdown: std::sync::Mutex<Option<oneshot::Sender<()>>>,
    server: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    postgres_database: Option<String>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// Starts a server on a fresh database, with one clinic, configured by `configure`.
    pub(crate) async fn spawn_with(db: Db, configure: impl FnOnce(&mut ServeConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (database_url, postgres_database) = match db {
            Db::Sqlite => (format!("sqlite://{}", dir.path().join("test.sqlite3").display()), None),
            Db::Postgres => {
                let admin = postgres_admin_url();
                let name = format!("discpath_test_{}", new_id().replace('-', ""));
                let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL at {admin} is not reachable ({e}); start it with \
                         `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`"
                    )
                });
                sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
                (format!("{base}/{name}"), Some(name))
            }
        };
        let mut config = ServeConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: database_url.clone(),
            session_lifetime: Duration::from_secs(3600),
            body_limit: 64 * 1024,
            upload_limit: 256 * 1024,
            ..ServeConfig::default()
        };
        configure(&mut config);
        let kb = discpath_kb::load_embedded().unwrap();
        let app = discpath_web::Application::build(config, kb).await.unwrap();
        let base = format!("http://{}", app.address());
        let store = app.store().clone();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            app.run_until_stopped(async {
                let _ = stopped.await;
            })
            .await;
        });
        let clinic_id = new_id();
        let mut tx = store.begin().await.unwrap();
        accounts::create_clinic(&mut tx, &clinic_id, "Test Clinic", "2026-01-01T00:00:00.000Z")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        Self {
            base,
            store,
            database_url,
            clinic_id,
            shutdown: std::sync::Mutex::new(Some(shutdown)),
            server: std::sync::Mutex::new(Some(server)),
            postgres_database,
            _dir: dir,
        }
    }

    /// Stops the server (gracefully) and drops a PostgreSQL test database.
    pub(crate) async fn stop(mut self) {
        self.stop_server().await;
        if let Some(name) = self.postgres_database.take() {
            let mut conn = sqlx::PgConnection::connect(&postgres_admin_url()).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "drop database if exists {name} with (force)"
            )))
            .execute(&mut conn)
            .await
            .unwrap();
        }
    }

    /// Asks the server to shut down and waits until it has.
    pub(crate) async fn stop_server(&self) {
        if let Some(shutdown) = self.shutdown.lock().unwrap().take() {
            let _ = shutdown.send(());
        }
        let server = self.server.lock().unwrap().take();
        if let Some(server) = server {
            let _ = server.await;
        }
    }

    /// The server's address (`127.0.0.1:port`).
    pub(crate) fn address(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// A client without credentials.
    pub(crate) fn anonymous(&self) -> Client {
        Client { http: http_client(), base: self.base.clone(), token: None }
    }

    /// A new user of the test clinic with `role`, logged in through the API and holding an API
    /// token.
    pub(crate) async fn user(&self, role: &str) -> Client {
        self.user_in(&self.clinic_id.clone(), role).await
    }

    /// A new user of another clinic (created if needed), for tenancy tests.
    pub(crate) async fn user_in(&self, clinic_id: &str, role: &str) -> Client {
        let mut tx = self.store.begin().await.unwrap();
        if accounts::clinic(&mut tx, clinic_id).await.unwrap().is_none() {
            accounts::create_clinic(&mut tx, clinic_id, "Other Clinic", "2026-01-01T00:00:00.000Z")
                .await
                .unwrap();
        }
        let user = User {
            user_id: new_id(),
            clinic_id: clinic_id.to_owned(),
            email: format!("{}@test.example", new_id()),
            name: format!("Test {role}"),
            role: role.to_owned(),
            password_hash: password_hash().await.to_owned(),
            disabled: 0,
            created_at: "2026-01-01T00:00:00.000Z".to_owned(),
            totp_secret: None,
            totp_pending: None,
            totp_last_step: 0,
        };
        accounts::create_user(&mut tx, &user).await.unwrap();
        tx.commit().await.unwrap();
        let session = self.login(&user.email, PASSWORD).await;
        let (status, body) = session.post("/api/v1/tokens", &json!({ "name": "tests" })).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        Client {
            http: http_client(),
            base: self.base.clone(),
            token: Some(body["token"].as_str().unwrap().to_owned()),
        }
    }

    /// Logs in and returns a client holding the session cookie.
    pub(crate) async fn login(&self, email: &str, password: &str) -> Client {
        let client = Client { http: http_client(), base: self.base.clone(), token: None };
        let (status, body) =
            client.post("/api/v1/session", &json!({ "email": email, "password": password })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        client
    }

    /// Row counts of every table but the audit trail, to show a failed request changed nothing.
    pub(crate) async fn counts(&self) -> Vec<(String, i64)> {
        let tables = [
            "clinic",
            "app_user",
            "web_session",
            "api_token",
            "patient",
            "episode",
            "assessment",
            "decision",
            "care_plan",
            "care_session",
            "follow_up",
            "questionnaire_response",
            "stored_file",
            "consultation_request",
        ];
        let mut counts = Vec::new();
        let mut conn = sqlx::AnyConnection::connect(&self.database_url).await.unwrap();
        for table in tables {
            let (count,): (i64,) =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("select count(*) from {table}")))
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
            counts.push((table.to_owned(), count));
        }
        counts
    }
}

async fn password_hash() -> &'static str {
    static HASH: OnceCell<String> = OnceCell::const_new();
    HASH.get_or_init(|| async { discpath_web::hash_password(PASSWORD.to_owned()).await.unwrap() })
        .await
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// An HTTP client of the test server, with a bearer token or a cookie jar.
pub(crate) struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
}

impl Client {
    pub(crate) fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, body)
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, Value) {
        Self::send(self.request(reqwest::Method::GET, path)).await
    }

    pub(crate) async fn delete(&self, path: &str) -> (StatusCode, Value) {
        Self::send(self.request(reqwest::Method::DELETE, path)).await
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        Self::send(self.request(reqwest::Method::POST, path).json(body)).await
    }

    pub(crate) async fn patch(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        Self::send(self.request(reqwest::Method::PATCH, path).json(body)).await
    }

    /// POSTs a raw body with a content type.
    pub(crate) async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        Self::send(
            self.request(reqwest::Method::POST, path)
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }
}

/// Runs a test body against a server on SQLite and against one on PostgreSQL (optionally
/// configured: `configured = |config: &mut ServeConfig| …`).
macro_rules! on_both_databases {
    ($(#[$doc:meta])* $name:ident, $body:expr) => {
        crate::server::on_both_databases!($(#[$doc])* $name, configured = |_: &mut discpath_web::ServeConfig| {}, $body);
    };
    ($(#[$doc:meta])* $name:ident, configured = $config:expr, $body:expr) => {
        $(#[$doc])*
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = crate::server::TestApp::spawn_with(crate::server::Db::Sqlite, $config).await;
                ($body)(&app).await;
                app.stop().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = crate::server::TestApp::spawn_with(crate::server::Db::Postgres, $config).await;
                ($body)(&app).await;
                app.stop().await;
            }
        }
    };
}
pub(crate) use on_both_databases;
