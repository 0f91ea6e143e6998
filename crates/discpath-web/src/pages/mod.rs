//! The patients' pages, per clinic under `/c/{slug}`: server-rendered askama templates
//! (`templates/`), every word from the knowledge base or the locale files (`locales/`), one
//! embedded stylesheet (`assets/`), no script. They work without JavaScript and at 360 px.
//!
//! Every page goes through [`render`]: a strict Content-Security-Policy (nothing but the
//! stylesheet and images from this origin; forms post only here), and the language switch
//! remembered in a cookie.

mod assessment;
mod assets;
mod clinic;
mod consultation;
mod evidence;
mod follow_up;
pub(crate) mod i18n;
mod landing;

use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use discpath_store::accounts::{self, Clinic};
use serde::Deserialize;

pub(crate) use assessment::{
    Instruments, Seal, answer as assessment_answer, start as assessment_start,
};
pub(crate) use assets::asset;
pub(crate) use clinic::{
    account as clinic_account, account_password as clinic_account_password,
    account_totp as clinic_account_totp, admin as clinic_admin,
    admin_add_user as clinic_admin_add_user, admin_audit as clinic_admin_audit,
    admin_change_user as clinic_admin_change_user, admin_clinic as clinic_admin_clinic,
    consultation_queue as clinic_consultation_queue,
    consultation_register as clinic_consultation_register,
    consultation_request as clinic_consultation_request,
    consultation_status as clinic_consultation_status, decide as clinic_decide,
    intake_form as clinic_intake_form, intake_submit as clinic_intake_submit,
    login_form as clinic_login_form, login_submit as clinic_login_submit, logout as clinic_logout,
    patient as clinic_patient, plan_adverse_event as clinic_plan_adverse_event,
    plan_book as clinic_plan_book, plan_calendar as clinic_plan_calendar,
    plan_link as clinic_plan_link, plan_session as clinic_plan_session,
    recommendation as clinic_recommendation, timeline as clinic_timeline, url_encode,
    worklist as clinic_worklist,
};
pub(crate) use consultation::{
    form as consultation_form, sent as consultation_sent, submit as consultation_submit,
};
pub(crate) use follow_up::{form as follow_up_form, submit as follow_up_submit};
pub(crate) use landing::landing;

use crate::state::AppState;
use i18n::{LANG_COOKIE, Lang, LangCodes as _, Texts};

/// The policy of every page: the stylesheet and images from here, forms posted here, nothing
/// else — no script, no frames, no plugins.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                           form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// `?lang=` of any page.
#[derive(Debug, Deserialize)]
pub(crate) struct LangQuery {
    pub lang: Option<String>,
}

/// What every page knows: the clinic, the language and its words. Extracted from the path's
/// `{slug}`, the `?lang=` of the query and the request's headers; a slug nobody has is the
/// not-found page.
pub(crate) struct PageContext {
    pub clinic: Clinic,
    pub lang: Lang,
    pub tr: &'static Texts,
    /// Whether the request chose the language with `?lang=` (then the cookie remembers it).
    switched: bool,
}

impl PageContext {
    /// The clinic of `slug` with the language `requested` (the switch's `?lang=` or a form's
    /// `lang`), else the request's, or the not-found page.
    async fn new(
        state: &AppState,
        slug: &str,
        requested: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<Self, Response> {
        let lang = i18n::of_request(requested, headers);
        let clinic = match accounts::clinic_by_slug(&state.store, slug).await {
            Ok(Some(clinic)) => clinic,
            Ok(None) => return Err(not_found(lang)),
            Err(error) => {
                tracing::error!(%error, "cannot read the clinic");
                return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
            }
        };
        let switched = requested.and_then(i18n::parse).is_some();
        Ok(Self { clinic, lang, tr: i18n::texts(lang), switched })
    }

    /// The same clinic in the language a form asked for (its `lang` field), when it names one.
    pub(crate) fn with_lang(self, requested: Option<&str>) -> Self {
        match requested.and_then(i18n::parse) {
            Some(lang) => Self { lang, tr: i18n::texts(lang), switched: true, ..self },
            None => self,
        }
    }

    /// The name the pages show.
    pub(crate) fn clinic_name(&self) -> &str {
        self.clinic.display_name.as_deref().unwrap_or(&self.clinic.name)
    }

    /// The slug (always set for a clinic found by it).
    pub(crate) fn slug(&self) -> &str {
        self.clinic.slug.as_deref().unwrap_or_default()
    }
}

impl FromRequestParts<AppState> for PageContext {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let query = axum::extract::Query::<LangQuery>::from_request_parts(parts, state).await;
        let requested = query.ok().and_then(|query| query.0.lang);
        let slug = axum::extract::Path::<String>::from_request_parts(parts, state).await;
        match slug {
            Ok(axum::extract::Path(slug)) => {
                Self::new(state, &slug, requested.as_deref(), &parts.headers).await
            }
            Err(_) => Err(not_found(i18n::of_request(requested.as_deref(), &parts.headers))),
        }
    }
}

/// The 1-based item of a questionnaire that a contract error's path names
/// (`questionnaires.odi[3]` → 4; the list as a whole, `questionnaires.odi` → 1), or none for
/// another path.
pub(crate) fn questionnaire_item(path: &str, list: &str) -> Option<usize> {
    let rest = path.strip_prefix("questionnaires.")?.strip_prefix(list)?;
    let index =
        rest.strip_prefix('[').and_then(|r| r.split(']').next()).and_then(|i| i.parse().ok());
    (rest.is_empty() || rest.starts_with('[')).then(|| index.unwrap_or(0) + 1)
}

/// Renders a page with its headers.
pub(crate) fn render(page: &impl Template, context: &PageContext) -> Response {
    render_with(StatusCode::OK, page, context)
}

/// Renders a page with its headers and this status (a form with errors: 422).
pub(crate) fn render_with(
    status: StatusCode,
    page: &impl Template,
    context: &PageContext,
) -> Response {
    html_in(status, page, context.switched.then_some(context.lang))
}

/// Renders a page with its headers; when the request switched the language, the cookie
/// remembers it.
pub(crate) fn html_in(
    status: StatusCode,
    page: &impl Template,
    switched: Option<Lang>,
) -> Response {
    let mut response = html(status, page);
    if let Some(lang) = switched {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
            lang.as_str()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    response
}

fn html(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => {
            let mut response = (status, body).into_response();
            let headers = response.headers_mut();
            headers
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_POLICY));
            response
        }
        Err(error) => {
            tracing::error!(%error, "a page failed to render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /`: the pages of the one clinic that has them (what `serve` prints leads somewhere), else
/// the not-found page.
pub(crate) async fn root(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = i18n::of_request(None, &headers);
    let clinics = async {
        let mut tx = state.store.begin().await?;
        let clinics = accounts::clinics(&mut tx).await?;
        tx.commit().await?;
        Ok::<_, discpath_store::StoreError>(clinics)
    };
    let slugs: Vec<String> = match clinics.await {
        Ok(clinics) => clinics.into_iter().filter_map(|clinic| clinic.slug).collect(),
        Err(error) => {
            tracing::error!(%error, "cannot list the clinics");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match slugs.as_slice() {
        [slug] => Redirect::to(&format!("/c/{slug}/")).into_response(),
        _ => not_found(lang),
    }
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFound {
    lang: Lang,
    tr: &'static Texts,
    clinic_name: &'static str,
    slug: &'static str,
}

/// The not-found page (a clinic slug nobody has).
fn not_found(lang: Lang) -> Response {
    let page = NotFound { lang, tr: i18n::texts(lang), clinic_name: "discpath", slug: "" };
    html(StatusCode::NOT_FOUND, &page)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_questionnaire_error_names_its_item() {
        assert_eq!(super::questionnaire_item("questionnaires.odi[3]", "odi"), Some(4));
        assert_eq!(super::questionnaire_item("questionnaires.odi", "odi"), Some(1));
        assert_eq!(
            super::questionnaire_item("questionnaires.start_back[8]", "start_back"),
            Some(9)
        );
        assert_eq!(super::questionnaire_item("questionnaires.odi_extra", "odi"), None);
        assert_eq!(super::questionnaire_item("pain.back", "odi"), None);
    }
}
