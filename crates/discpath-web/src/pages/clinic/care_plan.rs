//! `/clinic/care-plans/{care_plan_id}`: the care plan as a calendar — its dated sessions week by
//! week, each marked attended, missed or cancelled, rescheduled (with an optional booked time)
//! and with its adverse events; the follow-up points on the same weeks with their state; the
//! plan as an iCalendar file. Booking the plan from a decided recommendation is here too. The
//! work is the JSON API's own.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use discpath_engine::FollowUpState;
use discpath_store::care::{self, AdverseEvent, CarePlan, CareSession, FollowUp};
use discpath_store::patients::{self, Patient};
use jiff::civil::Date;

use super::{FormFields, Frame, Staff};
use crate::audited::{Actor, RequestId, audited};
use crate::auth::Permission;
use crate::error::ApiError;
use crate::input::Path;
use crate::routes::care::{
    SEVERITY, book_plan, change_session, follow_up_state, record_adverse_event,
};
use crate::routes::follow_ups::issue_link;
use crate::state::{AppState, today};

/// One entry of a week.
pub(crate) enum Entry {
    /// A session with its adverse events.
    Session(CareSession, Vec<AdverseEvent>),
    /// A follow-up point with its state today.
    FollowUp(FollowUp, FollowUpState),
}

impl Entry {
    fn date(&self) -> &str {
        match self {
            Self::Session(session, _) => &session.session_date,
            Self::FollowUp(follow_up, _) => &follow_up.due_date,
        }
    }
}

/// A week (from its Monday) and its entries in date order.
pub(crate) struct Week {
    pub monday: String,
    pub entries: Vec<Entry>,
}

#[derive(Template)]
#[template(path = "clinic/care_plan.html")]
struct CalendarPage {
    frame: Frame,
    patient: Patient,
    plan: CarePlan,
    weeks: Vec<Week>,
    counts: [(&'static str, usize); 4],
    severities: &'static [&'static str],
    may_plan: bool,
    /// Whether the viewer may create follow-up links.
    may_link: bool,
    /// A follow-up link just created: the point's label, its address, when it expires.
    issued: Option<(String, String, String)>,
    /// The session a form with problems was for, and the problems.
    failed: Option<String>,
    errors: Vec<(String, String)>,
}

impl CalendarPage {
    fn failed_here(&self, session: &CareSession) -> bool {
        self.failed.as_deref() == Some(session.care_session_id.as_str())
    }

    fn therapy(&self, therapy: &str) -> &'static str {
        match therapy {
            "decompression" => "clinic.plan.decompression",
            _ => "clinic.plan.physical_therapy",
        }
    }
}

/// What the calendar reads.
async fn read(
    tx: &mut discpath_store::Tx,
    clinic_id: &str,
    care_plan_id: &str,
) -> Result<(Patient, CarePlan, Vec<Week>), ApiError> {
    let plan = care::care_plan(tx, clinic_id, care_plan_id)
        .await?
        .ok_or(ApiError::NotFound("care plan"))?;
    let patient = patients::patient(tx, clinic_id, &plan.patient_id)
        .await?
        .ok_or(ApiError::NotFound("patient"))?;
    let sessions = care::sessions(tx, clinic_id, care_plan_id).await?;
    let follow_ups = care::follow_ups(tx, clinic_id, care_plan_id).await?;
    let responses = care::responses(tx, clinic_id, &plan.episode_id).await?;
    let events = care::adverse_events(tx, clinic_id, care_plan_id).await?;
    let today = today();
    let mut entries = Vec::new();
    for session in sessions {
        let of_session = events
            .iter()
            .filter(|e| e.care_session_id == session.care_session_id)
            .cloned()
            .collect();
        entries.push(Entry::Session(session, of_session));
    }
    for follow_up in follow_ups {
        let answered = responses.iter().map(|r| (r.label.as_str(), r.received_at.as_str()));
        let state = follow_up_state(&follow_up, answered, today)?;
        entries.push(Entry::FollowUp(follow_up, state));
    }
    entries.sort_by(|a, b| a.date().cmp(b.date()));
    let mut weeks: Vec<Week> = Vec::new();
    for entry in entries {
        let monday = monday_of(entry.date());
        match weeks.last_mut() {
            Some(week) if week.monday == monday => week.entries.push(entry),
            _ => weeks.push(Week { monday, entries: vec![entry] }),
        }
    }
    Ok((patient, plan, weeks))
}

/// The Monday of a stored date's week (the date itself when it does not parse).
fn monday_of(date: &str) -> String {
    date.parse::<Date>()
        .ok()
        .and_then(|d| {
            let back = i64::from(d.weekday().to_monday_zero_offset());
            d.checked_sub(jiff::Span::new().days(back)).ok()
        })
        .map_or_else(|| date.to_owned(), |d| d.to_string())
}

fn page(
    staff: &Staff,
    (patient, plan, weeks): (Patient, CarePlan, Vec<Week>),
    failed: Option<String>,
    errors: Vec<(String, String)>,
) -> CalendarPage {
    let mut counts = [("scheduled", 0), ("attended", 0), ("missed", 0), ("cancelled", 0)];
    for entry in weeks.iter().flat_map(|w| &w.entries) {
        if let Entry::Session(session, _) = entry
            && let Some(count) = counts.iter_mut().find(|(status, _)| *status == session.status)
        {
            count.1 += 1;
        }
    }
    CalendarPage {
        frame: staff.frame(),
        patient,
        plan,
        weeks,
        counts,
        severities: SEVERITY,
        may_plan: staff.caller.role.allows(Permission::PlanCare),
        may_link: staff.caller.role.allows(Permission::RecordFollowUps),
        issued: None,
        failed,
        errors,
    }
}

/// `GET /clinic/care-plans/{care_plan_id}`.
pub(crate) async fn calendar(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    path: Result<Path<String>, ApiError>,
) -> Response {
    let caller = &staff.caller;
    let found =
        audited(&state, Actor::User(caller), "care_plan.read", &request_id, async |tx, subject| {
            caller.require(Permission::ReadPatients)?;
            let Path(care_plan_id) = path?;
            let found = read(tx, caller.clinic(), &care_plan_id).await?;
            subject.set(&found.1.patient_id, &found.1.care_plan_id);
            Ok(found)
        })
        .await;
    match found {
        Ok(found) => staff.render(&page(&staff, found, None, Vec::new())),
        Err(error) => staff.failure(&error),
    }
}

/// `POST /clinic/assessments/{assessment_id}/care-plan` `start_date`: books the plan of the
/// decided pathway and shows its calendar.
pub(crate) async fn book(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    path: Result<Path<String>, ApiError>,
    form: FormFields,
) -> Response {
    let assessment_id = match staff.target(Permission::PlanCare, path, "assessment") {
        Ok(id) => id,
        Err(page) => return *page,
    };
    let body = form.body(&["start_date"]);
    let caller = &staff.caller;
    let booked = audited(
        &state,
        Actor::User(caller),
        "care_plan.create",
        &request_id,
        async |tx, subject| book_plan(tx, &state, caller, subject, &assessment_id, &body).await,
    )
    .await;
    match booked {
        Ok((plan, _, _)) => {
            Redirect::to(&format!("/clinic/care-plans/{}", plan.care_plan_id)).into_response()
        }
        Err(error) => staff.failure(&error),
    }
}

/// `POST /clinic/care-plans/{care_plan_id}/follow-ups/{follow_up_id}/link` `language`: a
/// follow-up link for the patient, shown once on the calendar (only its hash is kept).
pub(crate) async fn link(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    headers: axum::http::HeaderMap,
    path: Result<Path<(String, String)>, ApiError>,
    form: FormFields,
) -> Response {
    if let Some(refused) = staff.refusal(Permission::RecordFollowUps) {
        return refused;
    }
    let Ok(Path((care_plan_id, follow_up_id))) = path else {
        return staff.failure(&ApiError::NotFound("follow-up"));
    };
    let body = form.body(&["language"]);
    let caller = &staff.caller;
    let issued = audited(
        &state,
        Actor::User(caller),
        "follow_up_link.create",
        &request_id,
        async |tx, subject| {
            let (link, token) =
                issue_link(tx, caller, subject, &care_plan_id, &follow_up_id, &body).await?;
            let found = read(tx, caller.clinic(), &care_plan_id).await?;
            Ok((link, token, found))
        },
    )
    .await;
    match issued {
        Ok((link, token, found)) => {
            let host =
                headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
            let scheme = if state.config.secure_cookies
                && !host.starts_with("127.0.0.1")
                && !host.starts_with("localhost")
            {
                "https"
            } else {
                "http"
            };
            let address = if host.is_empty() {
                format!("/f/{token}")
            } else {
                format!("{scheme}://{host}/f/{token}")
            };
            let mut page = page(&staff, found, None, Vec::new());
            page.issued = Some((link.label, address, link.expires_at));
            staff.render(&page)
        }
        Err(error) => staff.failure(&error),
    }
}

/// The plan and session of a session form's address.
type SessionPath = Result<Path<(String, String)>, ApiError>;

/// `POST /clinic/care-plans/{care_plan_id}/sessions/{session_id}` `status` or `session_date,
/// booked_time`: marks or reschedules a session.
pub(crate) async fn session(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    path: SessionPath,
    form: FormFields,
) -> Response {
    let body = form.body(&["status", "session_date", "booked_time"]);
    let mut body = body;
    // Rescheduling sends the time field even when empty: an empty one clears the booked time.
    if form.0.iter().any(|(key, _)| key == "booked_time") && form.get("booked_time").is_empty() {
        body["booked_time"] = serde_json::Value::Null;
    }
    on_session(
        &state,
        &staff,
        &request_id,
        path,
        "care_session.update",
        async |tx, caller, subject, plan, session| {
            change_session(tx, caller, subject, plan, session, &body).await.map(|_| ())
        },
    )
    .await
}

/// `POST /clinic/care-plans/{care_plan_id}/sessions/{session_id}/adverse-events` `what,
/// severity, action_taken`.
pub(crate) async fn adverse_event(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    path: SessionPath,
    form: FormFields,
) -> Response {
    let body = form.body(&["what", "severity", "action_taken"]);
    on_session(
        &state,
        &staff,
        &request_id,
        path,
        "adverse_event.create",
        async |tx, caller, subject, plan, session| {
            record_adverse_event(tx, caller, subject, plan, session, &body).await.map(|_| ())
        },
    )
    .await
}

/// Runs a session form's work audited; then the calendar at the session, or the calendar again
/// with the form's problems.
async fn on_session(
    state: &AppState,
    staff: &Staff,
    request_id: &RequestId,
    path: SessionPath,
    action: &'static str,
    work: impl AsyncFnOnce(
        &mut discpath_store::Tx,
        &crate::auth::Caller,
        &mut crate::audited::Subject,
        &str,
        &str,
    ) -> Result<(), ApiError>,
) -> Response {
    if let Some(refused) = staff.refusal(Permission::PlanCare) {
        return refused;
    }
    let Ok(Path((care_plan_id, session_id))) = path else {
        return staff.failure(&ApiError::NotFound("session"));
    };
    let caller = &staff.caller;
    let done = audited(state, Actor::User(caller), action, request_id, async |tx, subject| {
        work(tx, caller, subject, &care_plan_id, &session_id).await
    })
    .await;
    match done {
        Ok(()) => Redirect::to(&format!("/clinic/care-plans/{care_plan_id}#session-{session_id}"))
            .into_response(),
        Err(ApiError::Invalid(problems)) => {
            match super::reread(state, async |tx| read(tx, caller.clinic(), &care_plan_id).await)
                .await
            {
                Ok(found) => {
                    let errors = problems
                        .iter()
                        .map(|p| {
                            (
                                format!("session-{session_id}-{}", p.path),
                                format!("{}: {}", p.path, p.message),
                            )
                        })
                        .collect();
                    staff.render_with(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &page(staff, found, Some(session_id), errors),
                    )
                }
                Err(error) => staff.failure(&error),
            }
        }
        Err(error) => staff.failure(&error),
    }
}
