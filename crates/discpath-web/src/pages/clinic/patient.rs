//! `GET /clinic/patients/{patient_id}`: a patient's record — details, episodes, and each
//! episode's assessments with their pathway and decision, with the way to a new intake.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use discpath_store::assessments::{self, AssessmentRecord, Decision};
use discpath_store::patients::{self, Episode, Patient};

use super::{Frame, Staff};
use crate::audited::{Actor, RequestId, audited};
use crate::auth::Permission;
use crate::error::ApiError;
use crate::input::Path;
use crate::state::AppState;

/// The most episodes, and assessments per episode, the page shows.
const SHOWN: i64 = 100;

/// An episode with its assessments, each with its decision.
pub(crate) struct EpisodeView {
    pub episode: Episode,
    pub assessments: Vec<(AssessmentRecord, Option<Decision>)>,
}

#[derive(Template)]
#[template(path = "clinic/patient.html")]
struct PatientPage {
    frame: Frame,
    patient: Patient,
    episodes: Vec<EpisodeView>,
    /// Whether the viewer may start an intake.
    may_assess: bool,
}

impl PatientPage {
    /// The day of a stored instant.
    fn day<'a>(&self, at: &'a str) -> &'a str {
        at.get(..10).unwrap_or(at)
    }
}

/// `GET /clinic/patients/{patient_id}`.
pub(crate) async fn patient(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    path: Result<Path<String>, ApiError>,
) -> Response {
    let caller = &staff.caller;
    let read =
        audited(&state, Actor::User(caller), "patient.read", &request_id, async |tx, subject| {
            caller.require(Permission::ReadPatients)?;
            let Path(patient_id) = path?;
            let patient = patients::patient(tx, caller.clinic(), &patient_id)
                .await?
                .ok_or(ApiError::NotFound("patient"))?;
            subject.set(&patient.patient_id, &patient.patient_id);
            let mut episodes = Vec::new();
            for episode in patients::episodes(tx, caller.clinic(), &patient_id, None, SHOWN).await?
            {
                let mut with_decisions = Vec::new();
                let records =
                    assessments::assessments(tx, caller.clinic(), &episode.episode_id, None, SHOWN)
                        .await?;
                for record in records {
                    let decision =
                        assessments::decision(tx, caller.clinic(), &record.assessment_id).await?;
                    with_decisions.push((record, decision));
                }
                episodes.push(EpisodeView { episode, assessments: with_decisions });
            }
            episodes.reverse();
            Ok((patient, episodes))
        })
        .await;
    match read {
        Ok((patient, episodes)) => staff.render(&PatientPage {
            frame: staff.frame(),
            patient,
            episodes,
            may_assess: caller.role.allows(Permission::Assess),
        }),
        Err(error) => staff.failure(&error),
    }
}
