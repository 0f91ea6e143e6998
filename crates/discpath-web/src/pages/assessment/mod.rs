//! The self-assessment, `/c/{slug}/assessment`: a few short steps, the red-flag questions first.
//!
//! Every step posts its answers with those before, carried in a hidden field sealed by the
//! server ([`answers::Seal`]), so nothing is stored and nothing is in the URL. After each step
//! the answers so far are screened with the knowledge base's own red-flag rules
//! ([`discpath_engine::screen_red_flags`]): an emergency ends the questions at once on the
//! "seek care now" page; an urgent flag goes on only to the steps that could still raise an
//! emergency, then to the "urgent appointment" page with the consultation request; a caution
//! flag is a note. After the last step the engine decides, and the result page explains it.

mod answers;
mod instruments;
mod outcome;
mod questions;
mod view;

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use discpath_engine::RedFlagFinding;

pub(crate) use answers::{Answers, Seal, Unsealed};
pub(crate) use instruments::Instruments;
pub(crate) use outcome::{ConsultationForm, self_assessment};

use super::i18n::{Lang, LangCodes as _, Texts};
use super::{LangQuery, PageContext, render_with};
use crate::input::Path;
use crate::state::AppState;
use answers::Problem;
use questions::STEPS;
use view::QuestionView;

#[derive(Template)]
#[template(path = "step.html")]
struct StepPage<'a> {
    lang: Lang,
    tr: &'static Texts,
    clinic_name: &'a str,
    slug: &'a str,
    step_id: &'static str,
    number: usize,
    of: usize,
    title: String,
    intro: String,
    sealed: String,
    questions: Vec<QuestionView>,
    has_errors: bool,
    /// Caution flags found so far: `(title, text)`.
    cautions: Vec<(String, String)>,
    /// The questionnaire's "not the validated wording" label and copyright notice.
    notices: Vec<&'a str>,
    /// A notice above the form (answers that expired).
    notice: Option<&'static str>,
}

/// The current time in Unix seconds, as the answers' seal reads it.
pub(crate) fn now_secs() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// `GET /c/{slug}/assessment`: the first step.
pub(crate) async fn start(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    query: Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let context = match PageContext::new(&state, &slug, query.lang.as_deref(), &headers).await {
        Ok(context) => context,
        Err(response) => return response,
    };
    step_page(&state, &context, 0, &Answers::default(), &[], None)
}

/// `POST /c/{slug}/assessment`: one step's answers (`step`, its fields, the sealed `answers`,
/// `go=back` to go back, `lang` to switch language keeping every answer).
pub(crate) async fn answer(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let form = form.map(|Form(form)| form).unwrap_or_default();
    let field =
        |name: &str| form.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    let context = match PageContext::new(&state, &slug, field("lang"), &headers).await {
        Ok(context) => context,
        Err(response) => return response,
    };
    let slug = context.slug().to_owned();
    let mut answers = match field("answers").filter(|sealed| !sealed.is_empty()) {
        None => Answers::default(),
        Some(sealed) => match state.pages.seal.open(&slug, sealed, now_secs()) {
            Ok(answers) => answers,
            Err(Unsealed::Expired | Unsealed::Invalid) => {
                let page = step_page(
                    &state,
                    &context,
                    0,
                    &Answers::default(),
                    &[],
                    Some("assessment.expired"),
                );
                return (StatusCode::BAD_REQUEST, page).into_response();
            }
        },
    };
    let Some((index, step)) = field("step").and_then(questions::step) else {
        return step_page(&state, &context, 0, &answers, &[], None);
    };
    let problems = answers.take_step(step, &form);
    // Switching language or going back keeps what was answered well, and shows no errors.
    if field("lang").is_some() && field("go").is_none() {
        return step_page(&state, &context, index, &answers, &[], None);
    }
    if field("go") == Some("back") {
        return step_page(&state, &context, index.saturating_sub(1), &answers, &[], None);
    }
    if !problems.is_empty() {
        let page = step_page(&state, &context, index, &answers, &problems, None);
        return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
    }
    match next(&state, &answers, index) {
        Next::Step(next) => step_page(&state, &context, next, &answers, &[], None),
        Next::Done => outcome::decide(&state, &context, &answers),
        Next::SeekCare(flags) => outcome::seek_care(&context, &state.kb, &flags),
        Next::Urgent => outcome::decide(&state, &context, &answers),
    }
}

/// Where the answers lead after step `index`.
enum Next<'kb> {
    /// To this step.
    Step(usize),
    /// To the engine's decision (the result, or the urgent or seek-care page it leads to).
    Done,
    /// An emergency: seek care now, nothing more asked.
    SeekCare(Vec<RedFlagFinding<'kb>>),
    /// An urgent flag, and no later step could raise an emergency.
    Urgent,
}

fn next<'kb>(state: &'kb AppState, answers: &Answers, index: usize) -> Next<'kb> {
    let Ok(doc) = discpath_model::from_value_partial(&answers.document()) else {
        // Every answer was checked as it was taken; a document the contract refuses would
        // be a defect of the mapping, and the clinician decides.
        return Next::Done;
    };
    let screening = discpath_engine::screen_red_flags(&state.kb, &doc);
    let emergencies: Vec<RedFlagFinding<'kb>> =
        screening.red_flags.iter().filter(|flag| flag.tier == "emergency").cloned().collect();
    if !emergencies.is_empty() {
        return Next::SeekCare(emergencies);
    }
    if screening.red_flags.iter().any(|flag| flag.tier == "urgent") {
        // Ask on only where an answer still to come could raise an emergency.
        let raises_emergency = |step: &questions::Step| {
            screening.undecided.iter().filter(|flag| flag.tier == "emergency").any(|flag| {
                flag.waiting_for.iter().any(|path| step.questions.iter().any(|q| q.name == *path))
            })
        };
        return match (index + 1..STEPS.len()).find(|&at| raises_emergency(&STEPS[at])) {
            Some(at) => Next::Step(at),
            None => Next::Urgent,
        };
    }
    if index + 1 < STEPS.len() { Next::Step(index + 1) } else { Next::Done }
}

/// Renders step `index` with the answers so far.
fn step_page(
    state: &AppState,
    context: &PageContext,
    index: usize,
    answers: &Answers,
    problems: &[Problem],
    notice: Option<&'static str>,
) -> Response {
    let step = &STEPS[index.min(STEPS.len() - 1)];
    let tr = context.tr;
    let instruments = state.pages.instruments.of(context.lang);
    let questions = view::questions(step.questions, answers, problems, tr, instruments);
    let unvalidated = (!instruments.validated).then_some(instruments.unvalidated_label.as_str());
    let kb = &state.kb.instruments;
    let (title, intro, notices) = match step.id {
        "odi" => (
            instruments.odi.title.clone(),
            instruments.odi.intro.clone(),
            unvalidated.into_iter().chain([kb.odi.instrument.notice.as_str()]).collect(),
        ),
        "start-back" => (
            instruments.start_back.title.clone(),
            instruments.start_back.intro.clone(),
            unvalidated.into_iter().chain([kb.start_back.instrument.notice.as_str()]).collect(),
        ),
        id => (
            tr.t(&format!("step.{id}.title")).to_owned(),
            tr.t(&format!("step.{id}.intro")).to_owned(),
            Vec::new(),
        ),
    };
    let cautions = outcome::cautions(state, context, answers);
    let page = StepPage {
        lang: context.lang,
        tr,
        clinic_name: context.clinic_name(),
        slug: context.slug(),
        step_id: step.id,
        number: index + 1,
        of: STEPS.len(),
        title,
        intro,
        sealed: state.pages.seal.seal(context.slug(), answers, now_secs()),
        has_errors: !problems.is_empty(),
        questions,
        cautions,
        notices,
        notice,
    };
    let status =
        if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_with(status, &page, context)
}
