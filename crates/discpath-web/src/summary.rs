//! `GET /api/v1/care-plans/{care_plan_id}/summary.pdf?lang=es`: the printable patient summary —
//! the patient, the pathway in plain words, what to expect of each therapy, the dated sessions,
//! the follow-up dates, the clinician's decision, the knowledge base that recommended it and the
//! disclaimer — in the language asked for (the patient's), as a PDF set by `discpath-pdf`.
//!
//! The record is read in one audited transaction; the document is laid out after it, so the
//! typesetting holds no connection.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use discpath_model::Pathway;
use discpath_pdf::{Block, Document, Section};
use discpath_store::accounts::{self, Clinic};
use discpath_store::assessments::{self, AssessmentRecord, Decision};
use discpath_store::care::{self, CarePlan, CareSession, FollowUp};
use discpath_store::patients::{self, Patient};
use jiff::civil::Date;
use serde::Deserialize;

use crate::audited::{Actor, RequestId, audited};
use crate::auth::{Caller, Permission};
use crate::error::ApiError;
use crate::input::{Path, Query};
use crate::pages::i18n::{self, Lang, Texts, follow_up_key};
use crate::state::{AppState, today};

/// The summary's query: the language (`en` when absent).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SummaryQuery {
    lang: Option<String>,
}

/// What the summary says, read from the record.
struct Record {
    clinic: Clinic,
    patient: Patient,
    plan: CarePlan,
    sessions: Vec<CareSession>,
    follow_ups: Vec<FollowUp>,
    assessment: AssessmentRecord,
    /// The decision, with the name of who made it.
    decision: Option<(Decision, String)>,
}

/// `GET /api/v1/care-plans/{care_plan_id}/summary.pdf`.
pub(crate) async fn summary(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(care_plan_id): Path<String>,
    Query(query): Query<SummaryQuery>,
) -> Result<Response, ApiError> {
    let lang = match query.lang.as_deref() {
        None => Lang::En,
        Some(code) => Lang::from_code(code)
            .ok_or_else(|| ApiError::invalid("lang", "must be one of: en, es"))?,
    };
    let record = audited(
        &state,
        Actor::User(&caller),
        "care_plan.summary",
        &request_id,
        async |tx, subject| {
            caller.require(Permission::ReadPatients)?;
            let clinic_id = caller.clinic();
            let plan = care::care_plan(tx, clinic_id, &care_plan_id)
                .await?
                .ok_or(ApiError::NotFound("care plan"))?;
            subject.set(&plan.patient_id, &plan.care_plan_id);
            let missing =
                |what: &str| ApiError::Internal(format!("care plan {care_plan_id}: no {what}"));
            let patient = patients::patient(tx, clinic_id, &plan.patient_id)
                .await?
                .ok_or_else(|| missing("patient"))?;
            let assessment = assessments::assessment(tx, clinic_id, &plan.assessment_id)
                .await?
                .ok_or_else(|| missing("assessment"))?;
            let decision = match assessments::decision(tx, clinic_id, &plan.assessment_id).await? {
                Some(decision) => {
                    let name = accounts::user(tx, clinic_id, &decision.decided_by)
                        .await?
                        .map_or_else(|| decision.decided_by.clone(), |user| user.name);
                    Some((decision, name))
                }
                None => None,
            };
            Ok(Record {
                clinic: accounts::clinic(tx, clinic_id).await?.ok_or_else(|| missing("clinic"))?,
                sessions: care::sessions(tx, clinic_id, &care_plan_id).await?,
                follow_ups: care::follow_ups(tx, clinic_id, &care_plan_id).await?,
                patient,
                plan,
                assessment,
                decision,
            })
        },
    )
    .await?;
    let document = document(&state, lang, &record, today())?;
    let pdf =
        discpath_pdf::render(&document).map_err(|error| ApiError::Internal(error.to_string()))?;
    let disposition = format!(
        "attachment; filename=\"care-plan-summary-{}-{}.pdf\"",
        record.plan.care_plan_id,
        lang.as_str()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response())
}

/// A stored date (`2027-01-12`) in words: "Tuesday 12 January 2027", "martes 12 de enero de
/// 2027" — or, for a date of birth, without the weekday (`date.birth`).
fn long_date(tr: &Texts, day: &str) -> String {
    in_words(tr, day, "date.long")
}

fn in_words(tr: &Texts, day: &str, pattern: &str) -> String {
    let Ok(date) = day.get(..10).unwrap_or(day).parse::<Date>() else { return day.to_owned() };
    let weekday = format!("date.weekday_{}", date.weekday().to_monday_one_offset());
    let month = format!("date.month_{}", date.month());
    tr.t(pattern)
        .replace("{weekday}", tr.t(&weekday))
        .replace("{day}", &date.day().to_string())
        .replace("{month}", tr.t(&month))
        .replace("{year}", &date.year().to_string())
}

/// The summary of `record` in `lang`.
fn document(
    state: &AppState,
    lang: Lang,
    record: &Record,
    today: Date,
) -> Result<Document, ApiError> {
    let tr = i18n::texts(lang);
    let texts = state.kb.patient_texts(lang);
    let pathway = Pathway::from_code(&record.plan.pathway).ok_or_else(|| {
        ApiError::Internal(format!("care plan {}: unknown pathway", record.plan.care_plan_id))
    })?;
    let fill =
        |text: &str| discpath_kb::fill_emergency_number(text, &record.clinic.emergency_number);
    let clinic_name = record.clinic.display_name.as_deref().unwrap_or(&record.clinic.name);
    let mut sections = vec![Section {
        heading: tr.t("summary.pathway_heading").to_owned(),
        blocks: vec![Block::Text(fill(texts.pathway(pathway).as_str()))],
    }];
    let mut therapies: Vec<&str> = Vec::new();
    for session in &record.sessions {
        if !therapies.contains(&session.therapy.as_str()) {
            therapies.push(&session.therapy);
        }
    }
    let expect: Vec<Block> = therapies
        .iter()
        .filter_map(|therapy| texts.therapy_intro(therapy))
        .map(|intro| Block::Text(fill(intro.as_str())))
        .collect();
    if !expect.is_empty() {
        sections
            .push(Section { heading: tr.t("summary.expect_heading").to_owned(), blocks: expect });
    }
    if !record.sessions.is_empty() {
        // By date, as the patient will come (a rescheduled session keeps its number).
        let mut sessions: Vec<&CareSession> = record.sessions.iter().collect();
        sessions.sort_by(|a, b| {
            (&a.session_date, &a.booked_time, a.number).cmp(&(
                &b.session_date,
                &b.booked_time,
                b.number,
            ))
        });
        let rows = sessions
            .iter()
            .map(|session| {
                let mut when = long_date(tr, &session.session_date);
                if let Some(time) = &session.booked_time {
                    when = format!("{when}, {time}");
                }
                vec![
                    session.number.to_string(),
                    when,
                    tr.t(&format!("clinic.plan.{}", session.therapy)).to_owned(),
                    tr.t(&format!("clinic.plan.status.{}", session.status)).to_owned(),
                ]
            })
            .collect();
        let header = ["summary.number", "summary.date", "summary.therapy", "summary.status"];
        sections.push(Section {
            heading: tr.t("summary.sessions_heading").to_owned(),
            blocks: vec![Block::Table { header: header.map(|k| tr.t(k).to_owned()).into(), rows }],
        });
    }
    if !record.follow_ups.is_empty() {
        let rows = record
            .follow_ups
            .iter()
            .map(|point| {
                let label =
                    follow_up_key(&point.label).map_or(point.label.as_str(), |key| tr.t(key));
                vec![
                    label.to_owned(),
                    long_date(tr, &point.due_date),
                    format!(
                        "{} – {}",
                        long_date(tr, &point.window_opens),
                        long_date(tr, &point.window_closes)
                    ),
                ]
            })
            .collect();
        let header = ["summary.follow_up_when", "summary.date", "summary.follow_up_window"];
        sections.push(Section {
            heading: tr.t("summary.follow_ups_heading").to_owned(),
            blocks: vec![
                Block::Text(tr.t("summary.follow_ups_intro").to_owned()),
                Block::Table { header: header.map(|k| tr.t(k).to_owned()).into(), rows },
            ],
        });
    }
    if let Some((decision, by)) = &record.decision {
        let action =
            if decision.action == "override" { "summary.overridden" } else { "summary.accepted" };
        let mut facts = vec![
            (tr.t("summary.decision").to_owned(), tr.t(action).to_owned()),
            (tr.t("summary.decided_by").to_owned(), by.clone()),
            (tr.t("summary.decided_on").to_owned(), long_date(tr, &decision.created_at)),
        ];
        if let Some(reason) = &decision.reason {
            facts.push((tr.t("summary.reason").to_owned(), reason.clone()));
        }
        sections.push(Section {
            heading: tr.t("summary.decision_heading").to_owned(),
            blocks: vec![Block::Facts(facts)],
        });
    }
    let assessment = &record.assessment;
    sections.push(Section {
        heading: tr.t("summary.about_heading").to_owned(),
        blocks: vec![Block::Facts(vec![
            (
                tr.t("summary.kb").to_owned(),
                format!("{} {}", assessment.kb_name, assessment.kb_version),
            ),
            (tr.t("summary.kb_hash").to_owned(), assessment.kb_hash.clone()),
            (tr.t("summary.assessed_on").to_owned(), long_date(tr, &assessment.created_at)),
        ])],
    });
    Ok(Document {
        title: tr.t("summary.title").to_owned(),
        language: lang.as_str().to_owned(),
        lines: vec![
            format!(
                "{} · {} {}",
                record.patient.name,
                tr.t("summary.born"),
                in_words(tr, &record.patient.birth_date, "date.birth")
            ),
            format!(
                "{clinic_name} · {} {}",
                tr.t("summary.printed"),
                long_date(tr, &today.to_string())
            ),
        ],
        sections,
        footer: fill(texts.disclaimer.as_str()),
        page_label: tr.t("summary.page").to_owned(),
    })
}
