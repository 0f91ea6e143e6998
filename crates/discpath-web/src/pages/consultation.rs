//! `/c/{slug}/consultation`: the consultation request with an optional MRI report, from the
//! result or urgent page (carrying the self-assessment's sealed answers) or directly. Read,
//! checked and stored by [`crate::consultation`], exactly as the JSON API's public form; its
//! errors are shown next to their fields in the page's language with every typed value kept.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::assessment::{ConsultationForm, Unsealed, now_secs, self_assessment};
use super::i18n::{Lang, LangCodes as _, Texts};
use super::{PageContext, render, render_with};
use crate::audited::RequestId;
use crate::client::ClientAddress;
use crate::consultation::{self as intake, FILE_FIELD, TEXT_FIELDS};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "consultation.html")]
struct ConsultationPage<'a> {
    lang: Lang,
    tr: &'static Texts,
    clinic_name: &'a str,
    slug: &'a str,
    form: ConsultationForm,
    /// A problem with the whole post (too many requests).
    notice: Option<&'static str>,
}

/// `GET /c/{slug}/consultation`: the form on its own.
pub(crate) async fn form(context: PageContext) -> Response {
    let page = page(&context, ConsultationForm::new(None, false), None);
    render(&page, &context)
}

fn page<'a>(
    context: &'a PageContext,
    form: ConsultationForm,
    notice: Option<&'static str>,
) -> ConsultationPage<'a> {
    ConsultationPage {
        lang: context.lang,
        tr: context.tr,
        clinic_name: context.clinic_name(),
        slug: context.slug(),
        form,
        notice,
    }
}

/// `?switch=` of a post that only switches the form's language.
#[derive(Debug, Deserialize)]
pub(crate) struct SwitchQuery {
    switch: Option<String>,
}

/// `POST /c/{slug}/consultation` (multipart): the request. Stored, it leads to the
/// confirmation; invalid, the form again with its errors; the honeypot filled, the
/// confirmation with nothing stored. With `?switch=es`, only the form again in that language
/// with what was typed kept (nothing checked, nothing stored).
pub(crate) async fn submit(
    State(state): State<AppState>,
    request_id: RequestId,
    ClientAddress(client): ClientAddress,
    context: PageContext,
    Query(query): Query<SwitchQuery>,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let Ok(form) = form else {
        return refused(&context, StatusCode::BAD_REQUEST, "consultation.error.form");
    };
    let switching = query.switch.is_some();
    if !switching {
        match intake::admit_client(&state, &client.to_string()).await {
            Ok(()) => {}
            Err(ApiError::TooManyRequests { .. }) => {
                let notice = "consultation.error.too_many";
                return refused(&context, StatusCode::TOO_MANY_REQUESTS, notice);
            }
            Err(error) => return error.into_response(),
        }
    }
    let submission = match intake::read(&state, form, &["answers", "lang"]).await {
        Ok(submission) => submission,
        Err(ApiError::PayloadTooLarge) => {
            return refused(
                &context,
                StatusCode::PAYLOAD_TOO_LARGE,
                "consultation.error.mri_report",
            );
        }
        Err(error) => return error.into_response(),
    };
    // The language the form was written in (its own field), else the request's.
    let context = context.with_lang(query.switch.as_deref().or(Some(submission.value("lang"))));
    let sealed = Some(submission.value("answers").to_owned()).filter(|s| !s.is_empty());
    let answers = match &sealed {
        None => None,
        Some(sealed) => match state.pages.seal.open(context.slug(), sealed, now_secs()) {
            Ok(answers) => Some(answers),
            Err(Unsealed::Expired | Unsealed::Invalid) => {
                return refused(&context, StatusCode::BAD_REQUEST, "assessment.expired");
            }
        },
    };
    let done = answers.as_ref().and_then(|answers| self_assessment(&state.kb, answers));
    let urgent = done.as_ref().is_some_and(|(_, done)| done.urgent);
    let kept = || {
        let mut kept = ConsultationForm::new(sealed.clone(), urgent);
        kept.values =
            TEXT_FIELDS.iter().map(|&name| (name, submission.value(name).to_owned())).collect();
        kept.consent = submission.value("consent") == "yes";
        kept
    };
    if switching {
        return render(&page(&context, kept(), None), &context);
    }
    let checked = intake::check(
        &context.clinic,
        &submission,
        Some(context.lang.as_str()),
        done.map(|(_, d)| d),
    );
    let checked = match checked {
        Ok(checked) => checked,
        Err(ApiError::Invalid(errors)) => {
            let mut kept = kept();
            for error in &errors {
                let Some(&field) =
                    TEXT_FIELDS.iter().chain([&FILE_FIELD]).find(|f| **f == error.path)
                else {
                    continue;
                };
                if kept.error(field).is_none() {
                    let message = context.tr.t(&format!("consultation.error.{field}")).to_owned();
                    kept.errors.push((field, message));
                }
            }
            let page = page(&context, kept, None);
            return render_with(StatusCode::UNPROCESSABLE_ENTITY, &page, &context);
        }
        Err(error) => return error.into_response(),
    };
    if !submission.is_robot() {
        match intake::store(&state, &request_id, &checked, submission.upload.as_deref()).await {
            Ok(()) => {}
            Err(ApiError::TooManyRequests { .. }) => {
                return refused(
                    &context,
                    StatusCode::TOO_MANY_REQUESTS,
                    "consultation.error.quota",
                );
            }
            Err(error) => return error.into_response(),
        }
    }
    let kind = if urgent { "urgent" } else { "routine" };
    Redirect::to(&format!(
        "/c/{}/consultation/sent?kind={kind}&lang={}",
        context.slug(),
        context.lang.as_str()
    ))
    .into_response()
}

/// The form again, empty, with a problem of the whole post.
fn refused(context: &PageContext, status: StatusCode, notice: &'static str) -> Response {
    let page = page(context, ConsultationForm::new(None, false), Some(notice));
    render_with(status, &page, context)
}

/// `?kind=` of the confirmation (`urgent`, `routine`).
#[derive(Debug, Deserialize)]
pub(crate) struct SentQuery {
    kind: Option<String>,
}

#[derive(Template)]
#[template(path = "sent.html")]
struct Sent<'a> {
    lang: Lang,
    tr: &'static Texts,
    clinic_name: &'a str,
    slug: &'a str,
    urgent: bool,
}

/// `GET /c/{slug}/consultation/sent`: what happens next.
pub(crate) async fn sent(context: PageContext, Query(query): Query<SentQuery>) -> Response {
    let page = Sent {
        lang: context.lang,
        tr: context.tr,
        clinic_name: context.clinic_name(),
        slug: context.slug(),
        urgent: query.kind.as_deref() == Some("urgent"),
    };
    render(&page, &context)
}
