//! `GET /c/{slug}/`: the clinic's start page — what the two treatments are, how they compare
//! (the knowledge base's comparison in plain words, the same data as `discpath compare`), the
//! questions people ask, and the disclaimer.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use discpath_kb::PatientTexts;

use super::evidence::{self, EvidenceView};
use super::i18n::{Lang, LangCodes as _, Texts};
use super::{PageContext, render};
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
    /// The knowledge base's patient texts in the page's language: the therapies, the
    /// comparison, the disclaimer.
    kb: &'a PatientTexts,
    /// What each compared therapy is, when the knowledge base says: `(name, text)`.
    intros: Vec<(&'a str, &'a str)>,
    /// The comparison's rows: a factor's label and each therapy's value, in column order.
    rows: Vec<(&'a str, Vec<&'a str>)>,
    faq: &'static [(&'static str, &'static str)],
    /// The evidence on the compared treatments, highest certainty first.
    evidence: Vec<EvidenceView<'a>>,
}

/// The treatments whose evidence the start page shows: the two compared, and the disc repair
/// whose clinic figure the clinic publishes.
const EVIDENCE_FOR: [&str; 3] =
    ["decompression", "physical_therapy", "biologic_disc_repair_evaluation"];

/// The start page.
pub(crate) async fn landing(State(state): State<AppState>, context: PageContext) -> Response {
    let kb = state.kb.patient_texts(context.lang);
    let intros = kb
        .comparison
        .therapies
        .iter()
        .filter_map(|therapy| {
            kb.therapy_intro(&therapy.id).map(|text| (therapy.name.as_str(), text.as_str()))
        })
        .collect();
    let comparison = &kb.comparison;
    let rows = comparison
        .factors
        .iter()
        .enumerate()
        .map(|(index, (_, label))| {
            let values = comparison
                .therapies
                .iter()
                .map(|therapy| therapy.values.get(index).map_or("", |value| value.as_str()))
                .collect();
            (label.as_str(), values)
        })
        .collect();
    let evidence = state
        .kb
        .evidence
        .statements
        .iter()
        .filter(|statement| statement.applies_to.iter().any(|t| EVIDENCE_FOR.contains(&t.as_str())))
        .filter_map(|statement| {
            evidence::view(kb, context.tr, &statement.meta.id, statement.meta.certainty)
        })
        .collect();
    let page = Landing {
        lang: context.lang,
        tr: context.tr,
        clinic_name: context.clinic_name(),
        slug: context.slug(),
        kb,
        intros,
        rows,
        faq: &FAQ,
        evidence,
    };
    render(&page, &context)
}
