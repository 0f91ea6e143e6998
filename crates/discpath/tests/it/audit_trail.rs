//! The audit trail: every read and write of patient data is recorded with its outcome; the log
//! is append-only; `discpath audit verify` detects a changed, removed or truncated record.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection as _;

use crate::server::{TestApp, on_both_databases};
use crate::support::{discpath, stderr, stdout};

pub(crate) async fn records(app: &TestApp, patient_id: &str) -> Vec<Value> {
    let admin = app.user("admin").await;
    let (status, page) = admin.get(&format!("/api/v1/audit?patient_id={patient_id}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

pub(crate) async fn execute(app: &TestApp, sql: &str) -> Result<(), sqlx::Error> {
    let mut conn = sqlx::AnyConnection::connect(&app.database_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.map(|_| ())
}

fn verify(app: &TestApp) -> std::process::Output {
    discpath(&["audit", "verify", "--database", &app.database_url], "")
}

on_both_databases!(
    /// Reads, writes and refusals are recorded with who, what, which patient and the outcome.
    reads_writes_and_refusals_are_recorded,
    async |app: &TestApp| {
        let coordinator = app.user("coordinator").await;
        let (_, patient) = coordinator
            .post("/api/v1/patients", &json!({ "mrn": "A-1", "name": "Audit Me", "birth_date": "1970-01-01", "sex": "male" }))
            .await;
        let patient_id = patient["patient_id"].as_str().unwrap();
        coordinator.get(&format!("/api/v1/patients/{patient_id}")).await;
        coordinator.patch(&format!("/api/v1/patients/{patient_id}"), &json!({ "sex": "robot" })).await;
        let (_, episode) = coordinator.post(&format!("/api/v1/patients/{patient_id}/episodes"), &json!({ "title": "LBP" })).await;
        let document = crate::support::read_json(&crate::support::root().join("kb/vignettes/herniation-sequence.json"))["input"].clone();
        let (_, assessed) = coordinator.post(&format!("/api/v1/episodes/{}/assessments", episode["episode_id"].as_str().unwrap()), &document).await;
        let (status, _) = coordinator
            .post(&format!("/api/v1/assessments/{}/decision", assessed["assessment_id"].as_str().unwrap()), &json!({ "action": "accept" }))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let trail: Vec<(String, String)> = records(app, patient_id)
            .await
            .iter()
            .map(|r| (r["action"].as_str().unwrap().to_owned(), r["outcome"].as_str().unwrap().to_owned()))
            .collect();
        let expected = [
            ("patient.create", "ok"),
            ("patient.read", "ok"),
            ("patient.update", "invalid"),
            ("episode.create", "ok"),
            ("assessment.create", "ok"),
        ];
        for (action, outcome) in expected {
            assert!(trail.contains(&(action.to_owned(), outcome.to_owned())), "{action} {outcome} not in {trail:?}");
        }
        // The refused decision is recorded too (as denied; the patient was not read).
        let admin = app.user("admin").await;
        let (_, all) = admin.get("/api/v1/audit?limit=100").await;
        assert!(all["items"].as_array().unwrap().iter().any(|r| r["action"] == "decision.create" && r["outcome"] == "denied"));
        // Every record names its actor and request.
        assert!(all["items"].as_array().unwrap().iter().all(|r| r["actor"].is_string() && r["hash"].as_str().unwrap().len() == 64));
        // Small pages, cursor to cursor, give the same trail in time order.
        let mut paged = Vec::new();
        let mut next = "/api/v1/audit?limit=3".to_owned();
        loop {
            let (status, page) = admin.get(&next).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            paged.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(cursor) => next = format!("/api/v1/audit?limit=3&cursor={cursor}"),
                None => break,
            }
        }
        // (The page reads themselves are recorded as they happen: compare the records both saw.)
        let everything = all["items"].as_array().unwrap();
        assert_eq!(&paged[..everything.len()], &everything[..]);
        assert!(paged.windows(2).all(|w| w[0]["at"].as_str() <= w[1]["at"].as_str()));
        let (status, _) = admin.get("/api/v1/audit?cursor=bm90LWEtY3Vyc29y").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
);

on_both_databases!(
    /// The database refuses to change or delete audit records; `audit verify` then detects an
    /// attacker who drops those guards and changes, removes or truncates records.
    tampering_is_detected,
    async |app: &TestApp| {
        let coordinator = app.user("coordinator").await;
        // Enough records that the fullest of the clinic's chains has at least four (pigeonhole).
        for n in 0..(3 * discpath_store::audit::STRIPES + 1) {
            coordinator
                .post("/api/v1/patients", &json!({ "mrn": format!("T-{n}"), "name": "Tamper Test", "birth_date": "1970-01-01", "sex": "female" }))
                .await;
        }
        let output = verify(app);
        assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
        assert!(stdout(&output).starts_with("ok: "));

        assert!(execute(app, "update audit_log set outcome = 'ok' where seq = 2").await.is_err(), "updates are refused");
        assert!(execute(app, "delete from audit_log where seq = 2").await.is_err(), "deletes are refused");

        let drop_guards = if app.database_url.starts_with("sqlite") {
            "drop trigger audit_log_no_update; drop trigger audit_log_no_delete;"
        } else {
            "drop trigger audit_log_no_update on audit_log;"
        };
        execute(app, drop_guards).await.unwrap();
        let chain = {
            let mut conn = sqlx::AnyConnection::connect(&app.database_url).await.unwrap();
            let (chain,): (String,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "select chain from audit_log where clinic_id = '{}' group by chain order by count(*) desc, chain limit 1",
                app.clinic_id
            )))
            .fetch_one(&mut conn)
            .await
            .unwrap();
            format!("chain = '{chain}'")
        };
        execute(app, &format!("update audit_log set action = 'patient.list' where {chain} and seq = 3")).await.unwrap();
        let output = verify(app);
        assert_eq!(output.status.code(), Some(1));
        assert!(stdout(&output).contains("record 3 was changed after it was written"), "{}", stdout(&output));
        assert!(stderr(&output).contains("tampered"), "{}", stderr(&output));

        execute(app, &format!("delete from audit_log where {chain} and seq = 2")).await.unwrap();
        let output = verify(app);
        assert!(stdout(&output).contains("record 2 is missing"), "{}", stdout(&output));

        let (last,): (i64,) = {
            let mut conn = sqlx::AnyConnection::connect(&app.database_url).await.unwrap();
            sqlx::query_as(sqlx::AssertSqlSafe(format!("select max(seq) from audit_log where {chain}"))).fetch_one(&mut conn).await.unwrap()
        };
        execute(app, &format!("delete from audit_log where {chain} and seq = {last}")).await.unwrap();
        let output = verify(app);
        assert!(stdout(&output).contains(&format!("the chain ends at record {} but {last} were written", last - 1)), "{}", stdout(&output));
    }
);
