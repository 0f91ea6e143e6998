//! CDS Hooks against the real server: discovery, the `patient-view` service with the EHR's
//! prefetch (a full evaluation, and a record that lacks what the contract requires), 400 and
//! 412, and every JWT refusal (no token, a wrong algorithm, key, audience or issuer, expired,
//! issued in the future, replayed) — each call audited as the EHR.

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server::{TestApp, on_both_databases};

const AUDIENCE: &str = "https://cds.test";
const SERVICE: &str = "/cds-services/lbp-disc-pathway";
const ES_ISSUER: &str = "https://ehr.test/es";
const RS_ISSUER: &str = "https://ehr.test/rs";

fn key(alg: Algorithm) -> EncodingKey {
    match alg {
        Algorithm::ES384 => {
            EncodingKey::from_ec_pem(include_bytes!("fixtures/cds-test-es384.pem")).unwrap()
        }
        _ => EncodingKey::from_rsa_pem(include_bytes!("fixtures/cds-test-rs384.pem")).unwrap(),
    }
}

fn jwks(alg: Algorithm, kid: &str) -> String {
    let mut jwk = Jwk::from_encoding_key(&key(alg), alg).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    serde_json::to_string(&JwkSet { keys: vec![jwk] }).unwrap()
}

/// Two trusted EHRs of the test clinic: one signing with ES384, one with RS384.
pub(crate) fn trusted(config: &mut discpath_web::ServeConfig) {
    let client = |issuer: &str, alg, kid: &str| discpath_web::CdsClientSettings {
        issuer: issuer.to_owned(),
        clinic: "Test Clinic".to_owned(),
        jwks: jwks(alg, kid),
    };
    config.cds = Some(discpath_web::CdsSettings {
        audience: AUDIENCE.to_owned(),
        clients: vec![
            client(ES_ISSUER, Algorithm::ES384, "es"),
            client(RS_ISSUER, Algorithm::RS384, "rs"),
        ],
    });
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// A signed token; `claims` overrides the defaults (iss of ES, aud the service, now, a new jti).
fn token(alg: Algorithm, kid: &str, claims: Value) -> String {
    let mut body = json!({ "iss": ES_ISSUER, "sub": "client", "aud": format!("{AUDIENCE}{SERVICE}"), "iat": now(), "exp": now() + 300, "jti": uuid::Uuid::new_v4().to_string() });
    for (k, v) in claims.as_object().unwrap() {
        body[k] = v.clone();
    }
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, &body, &key(alg)).unwrap()
}

fn request(conditions: Value) -> Value {
    json!({
        "hook": "patient-view", "hookInstance": uuid::Uuid::new_v4().to_string(),
        "context": { "userId": "Practitioner/pr-1", "patientId": "pt-001" },
        "prefetch": {
            "patient": { "resourceType": "Patient", "id": "pt-001", "gender": "female", "birthDate": "1979-04-15" },
            "conditions": { "resourceType": "Bundle", "type": "searchset", "entry": conditions.as_array().unwrap().iter().map(|c| json!({ "resource": c })).collect::<Vec<_>>() },
            "nrs": { "resourceType": "Bundle", "type": "searchset", "entry": [ { "resource": {
                "resourceType": "Observation", "id": "nrs-1", "status": "final",
                "code": { "coding": [ { "system": "http://loinc.org", "code": "72514-3" } ] },
                "effectiveDateTime": "2026-11-30", "valueInteger": 7 } } ] },
            "odi": null
        }
    })
}

fn condition(id: &str, code: &str, onset: Option<&str>) -> Value {
    let mut c = json!({ "resourceType": "Condition", "id": id,
        "clinicalStatus": { "coding": [ { "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active" } ] },
        "code": { "coding": [ { "system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code } ] },
        "subject": { "reference": "Patient/pt-001" } });
    if let Some(onset) = onset {
        c["onsetDateTime"] = json!(onset);
    }
    c
}

async fn call(app: &TestApp, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().post(format!("{}{SERVICE}", app.base)).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

on_both_databases!(
    /// Discovery names the service and its prefetch; a full record gives the pathway card with
    /// a suggestion and override reasons, a cancer history a red-flag card; a record without
    /// the episode's duration gives the card of what is needed; RS384 works as ES384 does.
    patient_view_cards,
    configured = trusted,
    async |app: &TestApp| {
        let (status, discovery) = app.anonymous().get("/cds-services").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(discovery["services"][0]["id"], "lbp-disc-pathway");
        assert_eq!(discovery["services"][0]["prefetch"]["patient"], "Patient/{{context.patientId}}");

        let full = request(json!([condition("c1", "M51.16", Some("2026-07-01"))]));
        let (status, body) = call(app, Some(&token(Algorithm::ES384, "es", json!({}))), &full).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let cards = body["cards"].as_array().unwrap();
        let pathway = cards.last().unwrap();
        assert_eq!(pathway["indicator"], "info");
        assert!(pathway["summary"].as_str().unwrap().chars().count() < 140);
        assert!(pathway["source"]["label"].as_str().unwrap().contains("discpath-clinic-pathway"));
        assert!(pathway["detail"].as_str().unwrap().contains("**Why:**"), "{pathway}");
        assert!(pathway["overrideReasons"].as_array().unwrap().len() >= 2);
        for card in cards {
            assert!(uuid::Uuid::parse_str(card["uuid"].as_str().unwrap()).is_ok());
        }

        let cancer = request(json!([condition("c1", "M51.16", Some("2026-07-01")), condition("c2", "C50.911", None)]));
        let (status, body) = call(app, Some(&token(Algorithm::RS384, "rs", json!({ "iss": RS_ISSUER }))), &cancer).await;
        assert_eq!(status, StatusCode::OK, "RS384: {body}");
        let first = &body["cards"][0];
        assert!(first["summary"].as_str().unwrap().starts_with("Red flag"), "{body}");
        assert!(["warning", "critical"].contains(&first["indicator"].as_str().unwrap()));

        let lacking = request(json!([condition("c1", "M51.16", None)]));
        let (status, body) = call(app, Some(&token(Algorithm::ES384, "es", json!({}))), &lacking).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let needed = body["cards"].as_array().unwrap().last().unwrap();
        assert!(needed["summary"].as_str().unwrap().contains("symptoms.duration_weeks"), "{needed}");

        let admin = app.user("admin").await;
        let (_, trail) = admin.get("/api/v1/audit?actor=https%3A%2F%2Fehr.test%2Fes").await;
        let actions: Vec<&str> = trail["items"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
        assert_eq!(actions.iter().filter(|a| **a == "cds.patient_view").count(), 2, "{trail}");
    }
);

on_both_databases!(
    /// A request without its hook's fields is 400, one without the prefetch it needs is 412
    /// (both with an OperationOutcome); every JWT that is not right is a bare 401.
    patient_view_refusals,
    configured = trusted,
    async |app: &TestApp| {
        let good = request(json!([condition("c1", "M51.16", Some("2026-07-01"))]));
        let mut wrong_hook = good.clone();
        wrong_hook["hook"] = json!("order-sign");
        let (status, body) = call(app, Some(&token(Algorithm::ES384, "es", json!({}))), &wrong_hook).await;
        assert_eq!((status, body["resourceType"].as_str()), (StatusCode::BAD_REQUEST, Some("OperationOutcome")));
        let mut no_patient = good.clone();
        no_patient["prefetch"].as_object_mut().unwrap().remove("patient");
        let (status, body) = call(app, Some(&token(Algorithm::ES384, "es", json!({}))), &no_patient).await;
        assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{body}");
        assert_eq!(body["issue"][0]["expression"][0], "prefetch.patient");

        let hs256 = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &json!({ "iss": ES_ISSUER, "aud": format!("{AUDIENCE}{SERVICE}"), "iat": now(), "exp": now() + 300, "jti": "x" }), &EncodingKey::from_secret(b"secret").unwrap()).unwrap();
        let replayed = token(Algorithm::ES384, "es", json!({}));
        assert_eq!(call(app, Some(&replayed), &good).await.0, StatusCode::OK, "first use");
        let cases = [
            ("no token", None),
            ("HS256", Some(hs256)),
            ("wrong audience", Some(token(Algorithm::ES384, "es", json!({ "aud": "https://elsewhere.test/cds-services/lbp-disc-pathway" })))),
            ("expired", Some(token(Algorithm::ES384, "es", json!({ "iat": now() - 900, "exp": now() - 600 })))),
            ("issued in the future", Some(token(Algorithm::ES384, "es", json!({ "iat": now() + 600, "exp": now() + 900 })))),
            ("untrusted issuer", Some(token(Algorithm::ES384, "es", json!({ "iss": "https://stranger.test" })))),
            ("another issuer's key", Some(token(Algorithm::RS384, "rs", json!({})))),
            ("no jti", Some(token(Algorithm::ES384, "es", json!({ "jti": "" })))),
            ("replayed", Some(replayed)),
        ];
        for (case, token) in cases {
            let (status, _) = call(app, token.as_deref(), &good).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}");
        }
    }
);
