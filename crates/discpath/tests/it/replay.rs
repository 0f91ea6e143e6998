//! `discpath kb replay` (issue 11): stored assessments re-evaluated under another knowledge
//! base — the changed rule changes exactly the expected episodes, and nothing stored changes.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::api::{patient_with_episode, vignette_input};
use crate::server::{TestApp, on_both_databases};
use crate::support::{discpath, kb_copy, stdout};

/// The pathway of every stored assessment, in id order.
async fn stored_pathways(app: &TestApp) -> Vec<(String, String)> {
    use sqlx::Connection as _;
    let mut conn = sqlx::AnyConnection::connect(&app.database_url).await.unwrap();
    sqlx::query_as("select assessment_id, pathway from assessment order by assessment_id")
        .fetch_all(&mut conn)
        .await
        .unwrap()
}

/// How many replays the audit trail records.
async fn replays(app: &TestApp) -> i64 {
    use sqlx::Connection as _;
    let mut conn = sqlx::AnyConnection::connect(&app.database_url).await.unwrap();
    let (count,): (i64,) =
        sqlx::query_as("select count(*) from audit_log where action = 'kb.replay'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    count
}

on_both_databases!(
    /// Two stored assessments; a knowledge base in which age 40 or over rules decompression out
    /// changes the 46-year-old's sequence and nothing else, and the replay stores nothing but its
    /// audit record.
    replay_reports_exactly_the_changed_episodes,
    async |app: &TestApp| {
        let coordinator = app.user("coordinator").await;
        let mut episodes = Vec::new();
        for (mrn, vignette) in [("MRN-R1", "herniation-sequence"), ("MRN-R2", "mechanical-lbp-pt")] {
            let (_, episode_id) = patient_with_episode(&coordinator, mrn).await;
            let (status, assessed) = coordinator.post(&format!("/api/v1/episodes/{episode_id}/assessments"), &vignette_input(vignette)).await;
            assert_eq!(status, StatusCode::CREATED, "{assessed}");
            episodes.push((episode_id, assessed["assessment_id"].as_str().unwrap().to_owned()));
        }
        let kb = kb_copy();
        let file = kb.path().join("contraindications.toml");
        let text = std::fs::read_to_string(&file).unwrap();
        let old = "class = \"relative\"\nlabel = \"Aged 70 or over\"\nwhen = { fact = \"patient.age\", gte = 70 }";
        assert_eq!(text.matches(old).count(), 1);
        std::fs::write(&file, text.replace(old, "class = \"absolute\"\nlabel = \"Aged 40 or over\"\nwhen = { fact = \"patient.age\", gte = 40 }")).unwrap();
        let counts = app.counts().await;
        let pathways = stored_pathways(app).await;

        let (url, dir) = (app.database_url.clone(), kb.path().to_str().unwrap().to_owned());
        let output = tokio::task::spawn_blocking(move || {
            discpath(&["--kb", &dir, "kb", "replay", "--database", &url, "--json"], "")
        })
        .await
        .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
        assert_eq!((report["total"].clone(), report["unchanged"].clone(), report["changed"].clone()), (json!(2), json!(1), json!(1)));
        let (episode_id, assessment_id) = &episodes[0];
        assert_eq!(report["affected"][0]["assessment_id"], json!(assessment_id));
        assert_eq!(report["affected"][0]["episode_id"], json!(episode_id));
        assert_eq!(report["affected"][0]["from"], "decompression_then_pt");
        assert_eq!(report["affected"][0]["to"], "physical_therapy");
        assert_eq!(report["changes"], json!([{ "from": "decompression_then_pt", "to": "physical_therapy", "count": 1 }]));
        assert_ne!(report["kb"]["hash"], json!(null));

        assert_eq!(app.counts().await, counts, "nothing stored changed");
        assert_eq!(stored_pathways(app).await, pathways, "the stored recommendations stand");
        assert_eq!(replays(app).await, 1, "the read is audited, once for the one clinic");

        // The same knowledge base as stored: nothing would change; the text report says so.
        let url = app.database_url.clone();
        let output = tokio::task::spawn_blocking(move || discpath(&["kb", "replay", "--database", &url], "")).await.unwrap();
        let text = stdout(&output);
        assert!(text.starts_with("Replay of 2 stored assessments (every clinic) under discpath-clinic-pathway 2.1.0"), "{text}");
        assert!(text.contains("  unchanged   2\n  changed     0\n"), "{text}");
    }
);
