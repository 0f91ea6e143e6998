//! Every route of the service, registered with the access it requires.
//!
//! [`routes`] is the single list: it builds the router and the route table that the route/role
//! matrix test walks (every route refuses anonymous callers unless public, and refuses each role
//! that lacks its permission).

mod accounts;
pub(crate) mod assessments;
pub(crate) mod audit;
pub(crate) mod care;
pub(crate) mod clinic;
pub(crate) mod consultations;
pub(crate) mod follow_ups;
mod ops;
pub(crate) mod patients;
pub(crate) mod two_factor;
pub(crate) mod users;

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};

use crate::auth::Permission;
use crate::error::ApiError;
use crate::pages;
use crate::state::AppState;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health, readiness, login, the public consultation form).
    Public,
    /// Monitoring: loopback clients, or callers with the configured metrics token.
    Monitoring,
    /// Any authenticated user.
    Authenticated,
    /// Users whose role has the permission.
    Requires(Permission),
    /// A trusted EHR, by the JWT of CDS Hooks (`cds::CdsCaller`).
    CdsClient,
}

/// One registered route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    /// The method.
    pub method: &'static str,
    /// The path template (`/api/v1/patients/{patient_id}`).
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
}

struct Routes {
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
}

impl Routes {
    fn add<H, T>(
        mut self,
        method: &'static str,
        path: &'static str,
        access: Access,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = match method {
            "GET" => MethodFilter::GET,
            "POST" => MethodFilter::POST,
            "PATCH" => MethodFilter::PATCH,
            _ => MethodFilter::DELETE,
        };
        self.router = self.router.route(path, on(filter, handler));
        self.specs.push(RouteSpec { method, path, access });
        self
    }
}

/// The router and its route table.
pub(crate) fn routes() -> (Router<AppState>, Vec<RouteSpec>) {
    use Access::{Authenticated, CdsClient, Monitoring, Public, Requires};
    use Permission as P;
    let routes = Routes { router: Router::new(), specs: Vec::new() }
        .add("GET", "/", Public, pages::root)
        .add("GET", "/c/{slug}/", Public, pages::landing)
        .add("GET", "/c/{slug}/assessment", Public, pages::assessment_start)
        .add("POST", "/c/{slug}/assessment", Public, pages::assessment_answer)
        .add("GET", "/c/{slug}/consultation", Public, pages::consultation_form)
        .add("POST", "/c/{slug}/consultation", Public, pages::consultation_submit)
        .add("GET", "/c/{slug}/consultation/sent", Public, pages::consultation_sent)
        .add("GET", "/assets/{file}", Public, pages::asset)
        .add("GET", "/f/{token}", Public, pages::follow_up_form)
        .add("POST", "/f/{token}", Public, pages::follow_up_submit)
        .add("GET", "/cds-services", Public, crate::cds::discovery)
        .add("POST", "/cds-services/lbp-disc-pathway", CdsClient, crate::cds::patient_view)
        .add("GET", "/clinic/login", Public, pages::clinic_login_form)
        .add("POST", "/clinic/login", Public, pages::clinic_login_submit)
        .add("POST", "/clinic/logout", Authenticated, pages::clinic_logout)
        .add("GET", "/clinic/account", Authenticated, pages::clinic_account)
        .add("POST", "/clinic/account/password", Authenticated, pages::clinic_account_password)
        .add("POST", "/clinic/account/totp", Authenticated, pages::clinic_account_totp)
        .add("GET", "/clinic/", Requires(P::ReadPatients), pages::clinic_worklist)
        .add("GET", "/clinic/admin", Requires(P::ManageUsers), pages::clinic_admin)
        .add("POST", "/clinic/admin/users", Requires(P::ManageUsers), pages::clinic_admin_add_user)
        .add(
            "POST",
            "/clinic/admin/users/{user_id}",
            Requires(P::ManageUsers),
            pages::clinic_admin_change_user,
        )
        .add("POST", "/clinic/admin/clinic", Requires(P::ManageClinic), pages::clinic_admin_clinic)
        .add("GET", "/clinic/admin/audit", Requires(P::ReadAudit), pages::clinic_admin_audit)
        .add(
            "GET",
            "/clinic/patients/{patient_id}",
            Requires(P::ReadPatients),
            pages::clinic_patient,
        )
        .add(
            "GET",
            "/clinic/episodes/{episode_id}/timeline",
            Requires(P::ReadPatients),
            pages::clinic_timeline,
        )
        .add(
            "GET",
            "/clinic/episodes/{episode_id}/intake",
            Requires(P::Assess),
            pages::clinic_intake_form,
        )
        .add(
            "POST",
            "/clinic/episodes/{episode_id}/intake",
            Requires(P::Assess),
            pages::clinic_intake_submit,
        )
        .add(
            "GET",
            "/clinic/consultations",
            Requires(P::HandleConsultations),
            pages::clinic_consultation_queue,
        )
        .add(
            "GET",
            "/clinic/consultations/{request_id}",
            Requires(P::HandleConsultations),
            pages::clinic_consultation_request,
        )
        .add(
            "POST",
            "/clinic/consultations/{request_id}/status",
            Requires(P::HandleConsultations),
            pages::clinic_consultation_status,
        )
        .add(
            "POST",
            "/clinic/consultations/{request_id}/register",
            Requires(P::WritePatients),
            pages::clinic_consultation_register,
        )
        .add(
            "GET",
            "/clinic/assessments/{assessment_id}",
            Requires(P::ReadPatients),
            pages::clinic_recommendation,
        )
        .add(
            "POST",
            "/clinic/assessments/{assessment_id}/decision",
            Requires(P::Decide),
            pages::clinic_decide,
        )
        .add(
            "POST",
            "/clinic/assessments/{assessment_id}/care-plan",
            Requires(P::PlanCare),
            pages::clinic_plan_book,
        )
        .add(
            "GET",
            "/clinic/care-plans/{care_plan_id}",
            Requires(P::ReadPatients),
            pages::clinic_plan_calendar,
        )
        .add(
            "POST",
            "/clinic/care-plans/{care_plan_id}/sessions/{session_id}",
            Requires(P::PlanCare),
            pages::clinic_plan_session,
        )
        .add(
            "POST",
            "/clinic/care-plans/{care_plan_id}/follow-ups/{follow_up_id}/link",
            Requires(P::RecordFollowUps),
            pages::clinic_plan_link,
        )
        .add(
            "POST",
            "/clinic/care-plans/{care_plan_id}/sessions/{session_id}/adverse-events",
            Requires(P::PlanCare),
            pages::clinic_plan_adverse_event,
        )
        .add("GET", "/healthz", Public, ops::health)
        .add("GET", "/readyz", Public, ops::ready)
        .add("GET", "/metrics", Monitoring, ops::metrics)
        .add("POST", "/api/v1/session", Public, accounts::login)
        .add("GET", "/api/v1/session", Authenticated, accounts::current)
        .add("DELETE", "/api/v1/session", Authenticated, accounts::logout)
        .add("PATCH", "/api/v1/account/password", Authenticated, users::change_password)
        .add("POST", "/api/v1/account/totp", Authenticated, two_factor::start_route)
        .add("POST", "/api/v1/account/totp/confirm", Authenticated, two_factor::confirm_route)
        .add("POST", "/api/v1/account/totp/remove", Authenticated, two_factor::remove_route)
        .add("GET", "/api/v1/tokens", Authenticated, accounts::list_tokens)
        .add("POST", "/api/v1/tokens", Authenticated, accounts::create_token)
        .add("DELETE", "/api/v1/tokens/{token_id}", Authenticated, accounts::revoke_token)
        .add("GET", "/api/v1/clinic", Authenticated, clinic::read)
        .add("PATCH", "/api/v1/clinic", Requires(P::ManageClinic), clinic::update)
        .add("GET", "/api/v1/users", Requires(P::ManageUsers), users::list_users)
        .add("POST", "/api/v1/users", Requires(P::ManageUsers), users::create_user)
        .add("PATCH", "/api/v1/users/{user_id}", Requires(P::ManageUsers), users::update_user)
        .add("GET", "/api/v1/audit", Requires(P::ReadAudit), audit::audit_records)
        .add("POST", "/api/v1/evaluate", Authenticated, assessments::evaluate)
        .add("GET", "/api/v1/patients", Requires(P::ReadPatients), patients::list_patients)
        .add("POST", "/api/v1/patients", Requires(P::WritePatients), patients::create_patient)
        .add(
            "GET",
            "/api/v1/patients/{patient_id}",
            Requires(P::ReadPatients),
            patients::read_patient,
        )
        .add(
            "PATCH",
            "/api/v1/patients/{patient_id}",
            Requires(P::WritePatients),
            patients::update_patient,
        )
        .add(
            "GET",
            "/api/v1/patients/{patient_id}/episodes",
            Requires(P::ReadPatients),
            patients::list_episodes,
        )
        .add(
            "POST",
            "/api/v1/patients/{patient_id}/episodes",
            Requires(P::WritePatients),
            patients::create_episode,
        )
        .add(
            "GET",
            "/api/v1/episodes/{episode_id}",
            Requires(P::ReadPatients),
            patients::read_episode,
        )
        .add(
            "PATCH",
            "/api/v1/episodes/{episode_id}",
            Requires(P::WritePatients),
            patients::update_episode,
        )
        .add(
            "GET",
            "/api/v1/episodes/{episode_id}/assessments",
            Requires(P::ReadPatients),
            assessments::list,
        )
        .add(
            "POST",
            "/api/v1/episodes/{episode_id}/assessments",
            Requires(P::Assess),
            assessments::create,
        )
        .add(
            "GET",
            "/api/v1/assessments/{assessment_id}",
            Requires(P::ReadPatients),
            assessments::read,
        )
        .add(
            "GET",
            "/api/v1/assessments/{assessment_id}/decision",
            Requires(P::ReadPatients),
            assessments::read_decision,
        )
        .add(
            "POST",
            "/api/v1/assessments/{assessment_id}/decision",
            Requires(P::Decide),
            assessments::decide,
        )
        .add(
            "POST",
            "/api/v1/assessments/{assessment_id}/care-plan",
            Requires(P::PlanCare),
            care::create_plan,
        )
        .add("GET", "/api/v1/care-plans/{care_plan_id}", Requires(P::ReadPatients), care::read_plan)
        .add(
            "PATCH",
            "/api/v1/care-plans/{care_plan_id}/sessions/{session_id}",
            Requires(P::PlanCare),
            care::update_session,
        )
        .add(
            "POST",
            "/api/v1/care-plans/{care_plan_id}/sessions/{session_id}/adverse-events",
            Requires(P::PlanCare),
            care::create_adverse_event,
        )
        .add(
            "GET",
            "/api/v1/care-plans/{care_plan_id}/calendar.ics",
            Requires(P::ReadPatients),
            care::calendar,
        )
        .add(
            "GET",
            "/api/v1/care-plans/{care_plan_id}/summary.pdf",
            Requires(P::ReadPatients),
            crate::summary::summary,
        )
        .add(
            "POST",
            "/api/v1/care-plans/{care_plan_id}/follow-ups/{follow_up_id}/links",
            Requires(P::RecordFollowUps),
            follow_ups::create_link,
        )
        .add(
            "GET",
            "/api/v1/episodes/{episode_id}/follow-ups",
            Requires(P::ReadPatients),
            follow_ups::list_responses,
        )
        .add(
            "POST",
            "/api/v1/episodes/{episode_id}/follow-ups",
            Requires(P::RecordFollowUps),
            follow_ups::record_response,
        )
        .add(
            "GET",
            "/api/v1/consultation-requests",
            Requires(P::HandleConsultations),
            consultations::list,
        )
        .add(
            "GET",
            "/api/v1/consultation-requests/{request_id}",
            Requires(P::HandleConsultations),
            consultations::read,
        )
        .add(
            "PATCH",
            "/api/v1/consultation-requests/{request_id}",
            Requires(P::HandleConsultations),
            consultations::update,
        )
        .add(
            "GET",
            "/api/v1/consultation-requests/{request_id}/mri-report",
            Requires(P::HandleConsultations),
            consultations::report,
        )
        .add(
            "POST",
            "/api/v1/clinics/{clinic_id}/consultation-requests",
            Public,
            consultations::create,
        );
    let router = routes.router.fallback(not_found).method_not_allowed_fallback(method_not_allowed);
    (router, routes.specs)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("route")
}

/// The route exists with other methods (axum adds the `Allow` header).
async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// The route table, for the route/role matrix test.
pub fn route_table() -> Vec<RouteSpec> {
    routes().1
}
