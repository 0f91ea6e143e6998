//! `GET /clinic/episodes/{episode_id}/timeline`: an episode over time — the ODI and pain of each
//! assessment and follow-up answer, the therapy phases of its care plans, the follow-up points
//! and the decisions and overrides — as two server-drawn charts on one time axis, with the same
//! events as a table beneath (what a screen reader reads, and the exact figures).

mod chart;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use discpath_model::Pathway;
use discpath_outcomes::Measures;
use discpath_store::assessments::{self, AssessmentRecord, Decision};
use discpath_store::care::{self, CareSession, FollowUp, QuestionnaireResponse};
use discpath_store::patients::{self, Episode, Patient};
use discpath_store::utc_day;
use jiff::civil::Date;

use self::chart::Chart;
use super::{Frame, Staff};
use crate::audited::{Actor, RequestId, audited};
use crate::auth::Permission;
use crate::error::ApiError;
use crate::input::Path;
use crate::pages::i18n::{Texts, follow_up_key};
use crate::state::{AppState, today};

/// The most assessments the timeline reads.
const SHOWN: i64 = 100;

/// An assessment with its decision and the sessions and follow-ups of its care plan.
struct Assessed {
    record: AssessmentRecord,
    decision: Option<Decision>,
    sessions: Vec<CareSession>,
    follow_ups: Vec<FollowUp>,
}

/// An episode's record, as the timeline reads it.
struct Record {
    patient: Patient,
    episode: Episode,
    assessments: Vec<Assessed>,
    responses: Vec<QuestionnaireResponse>,
}

/// One row of the events table.
pub(crate) struct Event {
    pub day: String,
    pub what: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "clinic/timeline.html")]
struct TimelinePage {
    frame: Frame,
    patient: Patient,
    episode: Episode,
    scores_svg: String,
    course_svg: String,
    events: Vec<Event>,
}

/// `GET /clinic/episodes/{episode_id}/timeline`.
pub(crate) async fn timeline(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    path: Result<Path<String>, ApiError>,
) -> Response {
    let caller = &staff.caller;
    let read = audited(
        &state,
        Actor::User(caller),
        "episode.timeline",
        &request_id,
        async |tx, subject| {
            caller.require(Permission::ReadPatients)?;
            let Path(episode_id) = path?;
            let clinic_id = caller.clinic();
            let episode = patients::episode(tx, clinic_id, &episode_id)
                .await?
                .ok_or(ApiError::NotFound("episode"))?;
            subject.set(&episode.patient_id, &episode.episode_id);
            let patient = patients::patient(tx, clinic_id, &episode.patient_id)
                .await?
                .ok_or(ApiError::NotFound("patient"))?;
            let mut assessed = Vec::new();
            for record in assessments::assessments(tx, clinic_id, &episode_id, None, SHOWN).await? {
                let decision = assessments::decision(tx, clinic_id, &record.assessment_id).await?;
                let (sessions, follow_ups) =
                    match care::plan_of_assessment(tx, clinic_id, &record.assessment_id).await? {
                        Some(plan) => (
                            care::sessions(tx, clinic_id, &plan.care_plan_id).await?,
                            care::follow_ups(tx, clinic_id, &plan.care_plan_id).await?,
                        ),
                        None => (Vec::new(), Vec::new()),
                    };
                assessed.push(Assessed { record, decision, sessions, follow_ups });
            }
            let responses = care::responses(tx, clinic_id, &episode_id).await?;
            Ok(Record { patient, episode, assessments: assessed, responses })
        },
    )
    .await;
    let record = match read {
        Ok(record) => record,
        Err(error) => return staff.failure(&error),
    };
    let (chart, events) = timeline_of(staff.tr, &record, today());
    let drawn = chart.scores().and_then(|scores| Ok((scores, chart.course()?)));
    let (scores_svg, course_svg) = match drawn {
        Ok(svgs) => svgs,
        Err(error) => {
            return staff.failure(&ApiError::Internal(format!("timeline chart: {error}")));
        }
    };
    staff.render(&TimelinePage {
        frame: staff.frame(),
        patient: record.patient,
        episode: record.episode,
        scores_svg,
        course_svg,
        events,
    })
}

/// "ODI 42 %, back 6, leg 7" (what was measured).
fn measured(tr: &Texts, measures: &Measures) -> String {
    let mut parts = Vec::new();
    if let Some(odi) = measures.odi {
        parts.push(format!("ODI {odi:.0} %"));
    }
    if let Some(back) = measures.back_pain {
        parts.push(format!("{} {back}", tr.t("clinic.timeline.back_pain")));
    }
    if let Some(leg) = measures.leg_pain {
        parts.push(format!("{} {leg}", tr.t("clinic.timeline.leg_pain")));
    }
    parts.join(", ")
}

fn day_of(stored: &str) -> Option<Date> {
    stored.get(..10)?.parse().ok()
}

/// The charts' data and the events table of an episode's record.
fn timeline_of(tr: &Texts, record: &Record, today: Date) -> (Chart, Vec<Event>) {
    let mut chart = Chart {
        measures: Vec::new(),
        phases: Vec::new(),
        follow_ups: Vec::new(),
        decisions: Vec::new(),
        today,
        names: [
            "clinic.timeline.odi",
            "clinic.timeline.back_pain",
            "clinic.timeline.leg_pain",
            "clinic.timeline.follow_ups",
            "clinic.timeline.decisions",
        ]
        .map(|key| tr.t(key).to_owned()),
    };
    let mut events = Vec::new();
    let title =
        |code: &str| Pathway::from_code(code).map_or(code.to_owned(), |p| p.title().to_owned());
    for Assessed { record: assessment, decision, sessions, follow_ups } in &record.assessments {
        let measures = Measures::of_assessment(&assessment.document, &assessment.recommendation);
        if let Some(day) = day_of(&assessment.created_at) {
            chart.measures.push((day, measures));
        }
        events.push(Event {
            day: assessment.created_at.clone(),
            what: format!("{}: {}", tr.t("clinic.timeline.assessed"), title(&assessment.pathway)),
            detail: measured(tr, &measures),
        });
        if let Some(decision) = decision {
            let action = tr.t(&format!("clinic.decision.{}", decision.action)).to_owned();
            if let Some(day) = day_of(&decision.created_at) {
                chart.decisions.push((format!("{action}: {}", title(&decision.pathway)), day));
            }
            events.push(Event {
                day: decision.created_at.clone(),
                what: format!("{action}: {}", title(&decision.pathway)),
                detail: decision.reason.clone().unwrap_or_default(),
            });
        }
        for therapy in ["decompression", "physical_therapy"] {
            let phase: Vec<&CareSession> =
                sessions.iter().filter(|s| s.therapy == therapy).collect();
            let days: Vec<Date> = phase.iter().filter_map(|s| day_of(&s.session_date)).collect();
            let (Some(first), Some(last)) = (days.iter().min(), days.iter().max()) else {
                continue;
            };
            let attended = phase.iter().filter(|s| s.status == "attended").count();
            let missed = phase.iter().filter(|s| s.status == "missed").count();
            let name = tr.t(&format!("clinic.plan.{therapy}")).to_owned();
            chart.phases.push((name.clone(), *first, *last, attended as f32 / phase.len() as f32));
            events.push(Event {
                day: first.to_string(),
                what: format!(
                    "{name}: {} {} – {last}",
                    phase.len(),
                    tr.t("clinic.timeline.sessions")
                ),
                detail: format!(
                    "{} {attended}, {} {missed}",
                    tr.t("clinic.plan.status.attended"),
                    tr.t("clinic.plan.status.missed")
                ),
            });
        }
        for point in follow_ups {
            let label =
                follow_up_key(&point.label).map_or(point.label.clone(), |key| tr.t(key).to_owned());
            if let Some(((opens, closes), _)) = point.dates() {
                chart.follow_ups.push((label.clone(), opens, closes));
            }
            events.push(Event {
                day: point.due_date.clone(),
                what: format!("{}: {label}", tr.t("clinic.plan.follow_up")),
                detail: format!(
                    "{} {} – {}",
                    tr.t("clinic.timeline.window"),
                    point.window_opens,
                    point.window_closes
                ),
            });
        }
    }
    for response in &record.responses {
        let measures = Measures::of_scores(&response.scores);
        if let Some(day) = utc_day(&response.received_at) {
            chart.measures.push((day, measures));
        }
        let label = follow_up_key(&response.label)
            .map_or(response.label.clone(), |key| tr.t(key).to_owned());
        events.push(Event {
            day: response.received_at.clone(),
            what: format!("{}: {label}", tr.t("clinic.timeline.answered")),
            detail: measured(tr, &measures),
        });
    }
    chart.measures.sort_by_key(|(day, _)| *day);
    events.sort_by(|a, b| a.day.cmp(&b.day));
    for event in &mut events {
        event.day.truncate(10);
    }
    (chart, events)
}
