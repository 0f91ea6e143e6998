//! `GET /c/{slug}/`: the clinic's start page — what the two treatments are, how they compare,
//! what the research says, the questions people ask, and the disclaimer.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::i18n::{Lang, Texts};
use super::{LangQuery, PageContext, render};
use crate::input::Path;
use crate::state::AppState;

/// The questions of the FAQ, by key (`faq.q1` and its answer `faq.a1`).
const FAQ: [(&str, &str); 5] = [
    ("faq.q1", "faq.a1"),
    ("faq.q2", "faq.a2"),
    ("faq.q3", "faq.a3"),
    ("faq.q4", "faq.a4"),
    ("faq.q5", "faq.a5"),
];

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing<'a> {
    lang: Lang,
    tr: &'static Texts,
    clinic_name: &'a str,
    slug: &'a str,
    faq: &'static [(&'static str, &'static str)],
}

/// The start page.
pub(crate) async fn landing(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    query: Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let context = match PageContext::new(&state, &slug, &query, &headers).await {
        Ok(context) => context,
        Err(response) => return response,
    };
    let page = Landing {
        lang: context.lang,
        tr: context.tr,
        clinic_name: context.clinic_name(),
        slug: context.slug(),
        faq: &FAQ,
    };
    render(&page, &context)
}
