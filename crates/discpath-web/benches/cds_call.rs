//! What one CDS Hooks `patient-view` call costs, by part (BENCHMARKS.md §8): checking its JWT
//! (ES384 and RS384, the key from a JWK as the service holds it), mapping the prefetch
//! (`discpath_fhir::import`), and parsing and evaluating the document — the steps the service
//! runs, on the benchmark's own request.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};

const AUD: &str = "https://cds.bench/cds-services/lbp-disc-pathway";

fn keys(alg: Algorithm) -> (EncodingKey, DecodingKey) {
    let pem: &[u8] = match alg {
        Algorithm::ES384 => include_bytes!("../../discpath/tests/it/fixtures/cds-test-es384.pem"),
        _ => include_bytes!("../../discpath/tests/it/fixtures/cds-test-rs384.pem"),
    };
    let encoding = match alg {
        Algorithm::ES384 => EncodingKey::from_ec_pem(pem).unwrap(),
        _ => EncodingKey::from_rsa_pem(pem).unwrap(),
    };
    let jwk = Jwk::from_encoding_key(&encoding, alg).unwrap();
    (encoding, DecodingKey::from_jwk(&jwk).unwrap())
}

fn prefetch() -> Value {
    json!({
        "patient": { "resourceType": "Patient", "id": "pt-001", "gender": "female", "birthDate": "1979-04-15" },
        "conditions": { "resourceType": "Bundle", "type": "searchset", "entry": [
            { "resource": { "resourceType": "Condition", "id": "c1", "clinicalStatus": { "coding": [{ "code": "active" }] },
                "code": { "coding": [{ "system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M51.16" }] }, "onsetDateTime": "2026-07-01" } },
            { "resource": { "resourceType": "Condition", "id": "c2", "clinicalStatus": { "coding": [{ "code": "active" }] },
                "code": { "coding": [{ "system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "Z79.01" }] } } }
        ] },
        "nrs": { "resourceType": "Bundle", "type": "searchset", "entry": [{ "resource": { "resourceType": "Observation", "id": "n1", "status": "final",
            "code": { "coding": [{ "system": "http://loinc.org", "code": "72514-3" }] }, "effectiveDateTime": "2026-11-30", "valueInteger": 7 } }] }
    })
}

fn bench(c: &mut Criterion) {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = json!({ "iss": "https://ehr.bench", "aud": AUD, "iat": now, "exp": now + 3000, "jti": "bench" });
    for alg in [Algorithm::ES384, Algorithm::RS384] {
        let (encoding, decoding) = keys(alg);
        let token = jsonwebtoken::encode(&Header::new(alg), &claims, &encoding).unwrap();
        let mut validation = Validation::new(alg);
        validation.set_audience(&[AUD]);
        c.bench_function(&format!("cds_jwt_check_{alg:?}"), |b| {
            b.iter(|| jsonwebtoken::decode::<Value>(&token, &decoding, &validation).unwrap())
        });
    }
    let prefetch = prefetch();
    let today: jiff::civil::Date = "2026-12-04".parse().unwrap();
    c.bench_function("cds_fhir_import", |b| {
        b.iter(|| {
            let resources: Vec<&Value> = ["patient", "conditions", "nrs"]
                .iter()
                .flat_map(|key| discpath_fhir::resources_of(&prefetch[*key]))
                .collect();
            discpath_fhir::import(&resources, today)
        })
    });
    let resources: Vec<&Value> = ["patient", "conditions", "nrs"]
        .iter()
        .flat_map(|key| discpath_fhir::resources_of(&prefetch[*key]))
        .collect();
    let text = discpath_fhir::import(&resources, today).document.to_string();
    let kb = discpath_kb::load_embedded().unwrap();
    c.bench_function("cds_parse_and_assess", |b| {
        b.iter(|| {
            let document = discpath_model::parse(&text).unwrap();
            discpath_engine::assess(&kb, &document).pathway
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
