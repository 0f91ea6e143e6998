//! "Check your answers": before the result, every answer of every step in a summary list,
//! each with a button that goes back to its question (the answers travel sealed in the form,
//! so a change is a post, not a link) and returns here once changed.

use askama::Template;
use axum::response::Response;

use super::answers::Answers;
use super::questions::STEPS;
use super::{now_secs, step_words, view};
use crate::pages::i18n::{Lang, LangCodes as _, Texts};
use crate::pages::{PageContext, render};
use crate::state::AppState;

/// One step's answers.
struct Section {
    /// The step's id (where "Change" leads).
    step_id: &'static str,
    /// The step's heading.
    title: String,
    /// A questionnaire's items (their words are the instrument's, not ours).
    instrument: bool,
    rows: Vec<Row>,
}

/// One question and its answer.
struct Row {
    /// The question (an ODI section's heading, a STarT Back statement).
    label: String,
    /// The answer's words, or "Not answered".
    answer: String,
    /// The id of the question's block on its step.
    anchor: String,
}

#[derive(Template)]
#[template(path = "check.html")]
struct CheckPage<'a> {
    lang: Lang,
    tr: &'static Texts,
    clinic_name: &'a str,
    slug: &'a str,
    sealed: String,
    sections: Vec<Section>,
}

/// The check-your-answers page of these answers.
pub(super) fn page(state: &AppState, context: &PageContext, answers: &Answers) -> Response {
    let tr = context.tr;
    let instruments = state.pages.instruments.of(context.lang);
    let sections = STEPS
        .iter()
        .map(|step| {
            let rows = view::questions(step.questions, answers, &[], tr, instruments)
                .into_iter()
                .map(|question| {
                    let chosen: Vec<&str> = question
                        .options
                        .iter()
                        .filter(|option| option.checked)
                        .map(|option| option.label.as_str())
                        .collect();
                    let answer = match (question.value.as_str(), chosen.as_slice()) {
                        ("", []) => tr.t("check.not_answered").to_owned(),
                        ("", chosen) => chosen.join(", "),
                        (typed, _) => typed.to_owned(),
                    };
                    Row { label: question.label, answer, anchor: question.id }
                })
                .collect();
            let (title, _, _) = step_words(state, context, step);
            Section { step_id: step.id, title, instrument: step.is_questionnaire(), rows }
        })
        .collect();
    let page = CheckPage {
        lang: context.lang,
        tr,
        clinic_name: context.clinic_name(),
        slug: context.slug(),
        sealed: state.pages.seal.seal(context.slug(), answers, now_secs()),
        sections,
    };
    render(&page, context)
}
