//! `/f/{token}`: a follow-up link's page — one patient answers one follow-up point's
//! questionnaire (ODI, back and leg pain, the global impression of change) without logging in.
//! The link is checked on every request (unknown, used, expired or replaced: a clear page that
//! stores nothing); the answers are checked by the contract's parser, scored and stored with
//! the episode in one audited transaction that also uses the link up, so it works once.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use discpath_model::vocabulary::{GLOBAL_CHANGE, ODI_ITEMS};
use discpath_store::accounts::{self, Clinic};
use discpath_store::care;
use discpath_store::links::{self, FollowUpLink};
use discpath_store::patients;
use serde_json::{Value, json};

use super::assessment::OdiSection;
use super::clinic::FormFields;
use super::html_in;
use super::i18n::{self, Lang, LangCodes as _, Texts};
use crate::audited::{Actor, RequestId, audited};
use crate::auth;
use crate::error::ApiError;
use crate::input::Path;
use crate::routes::follow_ups::score_response;
use crate::state::{AppState, now};

#[derive(Template)]
#[template(path = "follow_up.html")]
struct FollowUpPage<'a> {
    lang: Lang,
    tr: &'static Texts,
    clinic_name: &'a str,
    slug: &'a str,
    label: &'a str,
    odi: &'a [OdiSection],
    not_validated: Option<&'a str>,
    changes: &'static [&'static str],
    /// The answers as posted.
    form: &'a FormFields,
    /// `(element id, message)` of every problem.
    errors: Vec<(String, String)>,
}

impl FollowUpPage<'_> {
    fn checked(&self, name: &str, value: &str) -> bool {
        self.form.get(name) == value
    }
}

#[derive(Template)]
#[template(path = "follow_up_end.html")]
struct EndPage<'a> {
    lang: Lang,
    tr: &'static Texts,
    clinic_name: &'a str,
    slug: &'a str,
    /// The locale key of the page's words (`follow_up.thanks`, `follow_up.gone`).
    key: &'static str,
}

fn name_of(clinic: &Clinic) -> &str {
    clinic.display_name.as_deref().unwrap_or(&clinic.name)
}

/// The link of a secret and its clinic, when the link still works.
async fn open_link(
    state: &AppState,
    token: &str,
) -> Result<Option<(FollowUpLink, Clinic)>, ApiError> {
    let mut tx = state.store.begin().await?;
    let link = links::link_by_token(&mut tx, &auth::secret_hash(token)).await?;
    let found = match link {
        Some(link)
            if link.used_at.is_none()
                && link.revoked_at.is_none()
                && link.expires_at.as_str() > now().as_str() =>
        {
            let clinic = accounts::clinic(&mut tx, &link.clinic_id)
                .await?
                .ok_or(ApiError::NotFound("clinic"))?;
            Some((link, clinic))
        }
        _ => None,
    };
    tx.commit().await?;
    Ok(found)
}

/// The page that ends a link's use: thanks, or "this link no longer works".
fn end(status: StatusCode, lang: Lang, clinic: Option<&Clinic>, key: &'static str) -> Response {
    let page = EndPage {
        lang,
        tr: i18n::texts(lang),
        clinic_name: clinic.map_or("discpath", name_of),
        slug: clinic.and_then(|c| c.slug.as_deref()).unwrap_or_default(),
        key,
    };
    html_in(status, &page, None)
}

fn failed(error: &ApiError, lang: Lang) -> Response {
    tracing::error!(error = ?error, "a follow-up link page failed");
    end(error.status_and_code().0, lang, None, "follow_up.failed")
}

/// The link's language, else the request's.
fn language(link: &FollowUpLink, headers: &HeaderMap) -> Lang {
    i18n::parse(&link.language).unwrap_or_else(|| i18n::of_request(None, headers))
}

fn form_page(
    state: &AppState,
    (link, clinic): (&FollowUpLink, &Clinic),
    lang: Lang,
    form: &FormFields,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Response {
    let texts = state.pages.instruments.of(lang);
    let page = FollowUpPage {
        lang,
        tr: i18n::texts(lang),
        clinic_name: name_of(clinic),
        slug: clinic.slug.as_deref().unwrap_or_default(),
        label: &link.label,
        odi: &texts.odi.section,
        not_validated: (!texts.validated).then_some(texts.unvalidated_label.as_str()),
        changes: GLOBAL_CHANGE,
        form,
        errors,
    };
    html_in(status, &page, None)
}

/// `GET /f/{token}`.
pub(crate) async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    path: Result<Path<String>, ApiError>,
) -> Response {
    let lang = i18n::of_request(None, &headers);
    let Ok(Path(token)) = path else {
        return end(StatusCode::NOT_FOUND, lang, None, "follow_up.gone");
    };
    match open_link(&state, &token).await {
        Ok(Some((link, clinic))) => {
            let lang = language(&link, &headers);
            form_page(
                &state,
                (&link, &clinic),
                lang,
                &FormFields(Vec::new()),
                Vec::new(),
                StatusCode::OK,
            )
        }
        Ok(None) => end(StatusCode::GONE, lang, None, "follow_up.gone"),
        Err(error) => failed(&error, lang),
    }
}

/// The follow-up document of the form: the point's label, the ODI items (blank: unanswered),
/// the pain scores and the global impression of change, each left out when not given so that
/// the contract's parser names what is wrong.
fn document(label: &str, form: &FormFields) -> Value {
    let number = |name: &str| {
        let text = form.get(name);
        if text.is_empty() {
            Value::Null
        } else {
            text.parse::<i64>().map_or_else(|_| json!(text), Value::from)
        }
    };
    let odi: Vec<Value> = (1..=ODI_ITEMS).map(|i| number(&format!("odi.{i}"))).collect();
    let mut doc = json!({ "label": label, "pain": {} });
    if odi.iter().any(|item| !item.is_null()) {
        doc["questionnaires"] = json!({ "odi": odi });
    }
    for side in ["back", "leg"] {
        let value = number(&format!("pain.{side}"));
        if !value.is_null() {
            doc["pain"][side] = value;
        }
    }
    if !form.get("global_change").is_empty() {
        doc["global_change"] = json!(form.get("global_change"));
    }
    doc
}

/// The element a problem's path points at, and the locale key of its message.
fn problem(path: &str) -> (String, &'static str) {
    if let Some(item) = super::questionnaire_item(path, "odi") {
        return (format!("odi-{item}"), "follow_up.error.odi");
    }
    match path {
        "pain.back" => ("pain-back".to_owned(), "follow_up.error.pain"),
        "pain.leg" => ("pain-leg".to_owned(), "follow_up.error.pain"),
        _ => ("global_change".to_owned(), "follow_up.error.global_change"),
    }
}

/// `POST /f/{token}`: scores and stores the answers with the episode and uses the link up.
pub(crate) async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    request_id: RequestId,
    path: Result<Path<String>, ApiError>,
    form: FormFields,
) -> Response {
    let lang = i18n::of_request(None, &headers);
    let Ok(Path(token)) = path else {
        return end(StatusCode::NOT_FOUND, lang, None, "follow_up.gone");
    };
    let (link, clinic) = match open_link(&state, &token).await {
        Ok(Some(found)) => found,
        Ok(None) => return end(StatusCode::GONE, lang, None, "follow_up.gone"),
        Err(error) => return failed(&error, lang),
    };
    let lang = language(&link, &headers);
    let mut missing = Vec::new();
    for (name, key) in [
        ("pain.back", "follow_up.error.pain"),
        ("pain.leg", "follow_up.error.pain"),
        ("global_change", "follow_up.error.global_change"),
    ] {
        if form.get(name).is_empty() {
            missing.push((name.replace('.', "-"), i18n::texts(lang).t(key).to_owned()));
        }
    }
    if !missing.is_empty() {
        return form_page(
            &state,
            (&link, &clinic),
            lang,
            &form,
            missing,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let text = document(&link.label, &form).to_string();
    let actor = Actor::Public { clinic_id: &link.clinic_id };
    let stored = audited(&state, actor, "follow_up.create", &request_id, async |tx, subject| {
        subject.set(&link.patient_id, &link.link_id);
        let episode = patients::episode(tx, &link.clinic_id, &link.episode_id)
            .await?
            .ok_or(ApiError::NotFound("episode"))?;
        let response = score_response(&state, &episode, text, &format!("link:{}", link.link_id))?;
        if !links::use_link(tx, &link, &response.received_at).await? {
            return Err(ApiError::Conflict("the link has been used".to_owned()));
        }
        care::create_response(tx, &response).await?;
        subject.set(&response.patient_id, &response.response_id);
        Ok(())
    })
    .await;
    match stored {
        Ok(()) => end(StatusCode::OK, lang, Some(&clinic), "follow_up.thanks"),
        Err(ApiError::Conflict(_)) => end(StatusCode::GONE, lang, Some(&clinic), "follow_up.gone"),
        Err(ApiError::Invalid(problems)) => {
            let tr = i18n::texts(lang);
            let errors = problems
                .iter()
                .map(|p| problem(&p.path))
                .map(|(id, key)| (id, tr.t(key).to_owned()))
                .collect();
            form_page(
                &state,
                (&link, &clinic),
                lang,
                &form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(error) => failed(&error, lang),
    }
}
