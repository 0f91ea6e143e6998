//! `discpath serve` and `discpath admin create-user` as a user runs them.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{discpath, root, stderr, stdout};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_starts_on_a_new_sqlite_file_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("new.sqlite3").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_discpath"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--database", &database])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut password, mut base) = (String::new(), String::new());
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(value) = line.trim().strip_prefix("password: ") {
            password = value.to_owned();
        }
        if let Some(rest) = line.strip_prefix("discpath listening on ") {
            base = rest.split_whitespace().next().unwrap().to_owned();
            break;
        }
    }
    assert!(dir.path().join("new.sqlite3").exists(), "the database file is created on first run");
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let login = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({ "email": "demo-clinician@discpath.example", "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let patients: serde_json::Value =
        http.get(format!("{base}/api/v1/patients")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        patients["items"].as_array().unwrap().len(),
        4,
        "the demo clinic has synthetic patients"
    );
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success(), "SIGTERM stops the server gracefully");
}

#[test]
fn admin_create_user_makes_the_first_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("install.sqlite3").display());
    let args = [
        "admin",
        "create-user",
        "--database",
        &database,
        "--email",
        "Lead@Clinic.example",
        "--name",
        "Clinic Lead",
    ];
    let output = discpath(&[&args[..], &["--clinic", "North Spine"]].concat(), "");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with("created admin lead@clinic.example in clinic \"North Spine\"")
    );
    assert!(stdout(&output).contains("password: "));
    let again = discpath(&args, "");
    assert_eq!(again.status.code(), Some(2), "the e-mail already has an account");
    let weak = discpath(
        &[
            "admin",
            "create-user",
            "--database",
            &database,
            "--email",
            "b@c.example",
            "--name",
            "B",
            "--password-stdin",
        ],
        "short\n",
    );
    assert_eq!(weak.status.code(), Some(2));
    assert!(stderr(&weak).contains("password: expected at least 12 characters"));
    let verify = discpath(&["audit", "verify", "--database", &database], "");
    assert!(verify.status.success(), "{}", stdout(&verify));
}
