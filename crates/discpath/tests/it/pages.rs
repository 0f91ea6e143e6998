//! The patients' pages (issue 8): per clinic under `/c/{slug}/`, in English and Spanish, with a
//! strict Content-Security-Policy and no script.

use reqwest::StatusCode;
use serde_json::json;

use crate::server::{TestApp, on_both_databases};

/// A page's status, headers and text.
async fn page(
    app: &TestApp,
    path: &str,
    language: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let mut request = app.anonymous().request(reqwest::Method::GET, path);
    if let Some(language) = language {
        request = request.header("accept-language", language);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.headers().clone(), response.text().await.unwrap())
}

on_both_databases!(
    /// An administrator gives the clinic its pages' address, name and emergency number; the start
    /// page then answers in the browser's language, switches with `?lang=`, and carries a strict
    /// policy and no script. An unknown clinic is an HTML 404.
    the_start_page_answers_per_clinic_in_both_languages,
    async |app: &TestApp| {
        assert_eq!(page(app, "/c/north-spine/", None).await.0, StatusCode::NOT_FOUND, "no address yet");
        let admin = app.user("admin").await;
        for (body, field) in [(json!({ "slug": "North Spine" }), "slug"), (json!({ "slug": "-x" }), "slug"), (json!({ "emergency_number": "9a1" }), "emergency_number")] {
            let (status, answer) = admin.patch("/api/v1/clinic", &body).await;
            assert_eq!((status, &answer["error"]["fields"][0]["path"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!(field)), "{body}");
        }
        let (status, clinic) = admin.patch("/api/v1/clinic", &json!({ "slug": "north-spine", "display_name": "North Spine Clinic", "emergency_number": "112" })).await;
        assert_eq!(status, StatusCode::OK, "{clinic}");
        assert_eq!((clinic["slug"].as_str(), clinic["emergency_number"].as_str()), (Some("north-spine"), Some("112")));
        let other = app.user_in(&discpath_store::new_id(), "admin").await;
        let (status, taken) = other.patch("/api/v1/clinic", &json!({ "slug": "north-spine" })).await;
        assert_eq!((status, &taken["error"]["fields"][0]["path"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("slug")));

        let response = app.anonymous().request(reqwest::Method::GET, "/").send().await.unwrap();
        assert_eq!((response.status(), response.headers()["location"].to_str().unwrap()), (StatusCode::SEE_OTHER, "/c/north-spine/"), "the printed address leads to the pages");
        let (status, headers, english) = page(app, "/c/north-spine/", Some("en-GB,en;q=0.9")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(english.contains("<html lang=\"en\">") && english.contains("North Spine Clinic"), "{english}");
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("default-src 'none'") && !policy.contains("script-src") && policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(!english.contains("<script"), "no script on the pages");
        let (_, _, spanish) = page(app, "/c/north-spine/", Some("es-MX,es;q=0.9,en;q=0.5")).await;
        assert!(spanish.contains("<html lang=\"es\">") && spanish.contains("Preguntas frecuentes"), "{spanish}");
        // The comparison and the disclaimer are the knowledge base's patient texts, per language.
        let kb = discpath_kb::load_embedded().unwrap();
        for (language, html) in [(discpath_kb::Language::En, &english), (discpath_kb::Language::Es, &spanish)] {
            let texts = kb.patient_texts(language);
            let shown = |text: &str| html.contains(&escape(text));
            assert!(shown(&texts.disclaimer), "{language:?}: the disclaimer");
            for therapy in &texts.comparison.therapies {
                assert!(shown(&therapy.name), "{language:?}: {}", therapy.id);
                assert!(therapy.values.iter().all(|value| shown(value)), "{language:?}: every value of {}", therapy.id);
            }
            assert!(texts.comparison.factors.iter().all(|(_, label)| shown(label)), "{language:?}: every factor");
        }
        let (_, headers, switched) = page(app, "/c/north-spine/?lang=es", Some("en")).await;
        assert!(switched.contains("<html lang=\"es\">"));
        assert!(headers["set-cookie"].to_str().unwrap().starts_with("discpath_lang=es"), "the switch is remembered");

        let (status, headers, missing) = page(app, "/c/no-such-clinic/", Some("es")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(headers["content-type"].to_str().unwrap().starts_with("text/html") && missing.contains("No encontramos la página"));
        let (status, headers, css) = page(app, "/assets/discpath.css", None).await;
        assert_eq!((status, headers["content-type"].to_str().unwrap()), (StatusCode::OK, "text/css; charset=utf-8"));
        assert!(css.contains(":focus"), "a visible focus style");
    }
);

/// Text as the templates escape it.
fn escape(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}
