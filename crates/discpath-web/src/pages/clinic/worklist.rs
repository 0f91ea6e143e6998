//! `GET /clinic/`: the work list — the clinic's patients, searched by name, date of birth or
//! identifier (MRN), paged, each with where their latest episode stands.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use discpath_engine::FollowUpState;
use discpath_store::patients::Patient;
use discpath_store::worklist::{self, EpisodeProgress};

use super::{Frame, Staff};
use crate::audited::{Actor, RequestId, audited};
use crate::error::ApiError;
use crate::input::Query;
use crate::routes::care::follow_up_state;
use crate::routes::patients::{PatientQuery, find_patients};
use crate::state::{AppState, today};

/// One row of the work list.
pub(crate) struct Row {
    pub patient: Patient,
    /// The status's locale key (`clinic.status.follow_up_due`).
    pub status: &'static str,
}

impl Row {
    /// The status's style class (`clinic-status-follow_up_due`).
    pub(crate) fn status_class(&self) -> String {
        self.status.replace('.', "-")
    }
}

#[derive(Template)]
#[template(path = "clinic/worklist.html")]
struct Worklist {
    frame: Frame,
    search: String,
    rows: Vec<Row>,
    /// The next page's query, when there may be one.
    next: Option<String>,
    /// Whether this is a later page (so the first is linked).
    later: bool,
}

/// `GET /clinic/?q=&cursor=`.
pub(crate) async fn worklist(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    query: Result<Query<PatientQuery>, ApiError>,
) -> Response {
    let query = match query {
        Ok(Query(query)) => query,
        Err(error) => return staff.failure(&error),
    };
    let caller = &staff.caller;
    let read =
        audited(&state, Actor::User(caller), "patient.list", &request_id, async |tx, subject| {
            let page = find_patients(tx, caller, subject, &query).await?;
            let ids: Vec<&str> = page.items.iter().map(|p| p.patient_id.as_str()).collect();
            let episodes = worklist::latest_episodes(tx, caller.clinic(), &ids).await?;
            let episode_ids: Vec<&str> = episodes.iter().map(|e| e.episode_id.as_str()).collect();
            let follow_ups = worklist::follow_ups(tx, caller.clinic(), &episode_ids).await?;
            let answered = worklist::answered(tx, caller.clinic(), &episode_ids).await?;
            let today = today();
            let mut states: HashMap<&str, Vec<FollowUpState>> = HashMap::new();
            for (episode_id, follow_up) in &follow_ups {
                let of_episode = answered
                    .iter()
                    .filter(|(episode, _, _)| episode == episode_id)
                    .map(|(_, label, at)| (label.as_str(), at.as_str()));
                let state = follow_up_state(follow_up, of_episode, today)?;
                states.entry(episode_id.as_str()).or_default().push(state);
            }
            let rows: Vec<Row> = page
                .items
                .iter()
                .map(|patient| {
                    let episode = episodes.iter().find(|e| e.patient_id == patient.patient_id);
                    let follow_ups = episode
                        .and_then(|e| states.get(e.episode_id.as_str()))
                        .map_or(&[][..], Vec::as_slice);
                    Row { patient: patient.clone(), status: status(episode, follow_ups) }
                })
                .collect();
            Ok((rows, page.next_cursor))
        })
        .await;
    let (rows, cursor) = match read {
        Ok(read) => read,
        Err(error) => return staff.failure(&error),
    };
    let search = query.q.unwrap_or_default();
    let next = cursor.map(|cursor| {
        let mut next = format!("cursor={cursor}");
        if !search.trim().is_empty() {
            next.push_str("&q=");
            next.push_str(&super::url_encode(search.trim()));
        }
        next
    });
    staff.render(&Worklist {
        frame: staff.frame(),
        search,
        rows,
        next,
        later: query.page.is_later(),
    })
}

/// Where a patient's latest episode stands, as a locale key: closed; a follow-up overdue, or
/// due; in a course (sessions still scheduled); the course done; assessed; or newly registered.
fn status(episode: Option<&EpisodeProgress>, follow_ups: &[FollowUpState]) -> &'static str {
    let Some(episode) = episode else { return "clinic.status.registered" };
    if episode.status == "closed" {
        "clinic.status.closed"
    } else if follow_ups.contains(&FollowUpState::Overdue) {
        "clinic.status.follow_up_overdue"
    } else if follow_ups.contains(&FollowUpState::Due) {
        "clinic.status.follow_up_due"
    } else if episode.scheduled > 0 {
        "clinic.status.in_course"
    } else if episode.plans > 0 {
        "clinic.status.course_done"
    } else if episode.assessments > 0 {
        "clinic.status.assessed"
    } else {
        "clinic.status.registered"
    }
}
