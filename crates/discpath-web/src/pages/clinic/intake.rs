//! `/clinic/episodes/{episode_id}/intake`: the clinician's intake form — every field of the
//! assessment contract, grouped as a clinician works (red flags, history, examination, imaging,
//! diagnoses, conditions, questionnaires, plan), each with the contract's label and wording,
//! pre-filled from the episode's last assessment, else from the self-assessment the patient's
//! consultation request came with. Submitting evaluates and stores the document
//! exactly as the API's `POST …/assessments` does; the contract's own validation names every
//! field at fault.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use discpath_model::FieldError;
use discpath_model::vocabulary::{
    DIAGNOSIS_CODES, FIELDS, Field, ODI_ITEM_MAX, ODI_ITEMS, Origin, START_BACK_ITEMS, ValueType,
};
use discpath_store::patients::{self, Episode, Patient};
use discpath_store::{assessments, consultations};
use serde_json::{Map, Value, json};

use super::{FormFields, Frame, Staff};
use crate::audited::{Actor, RequestId, audited};
use crate::auth::Permission;
use crate::error::ApiError;
use crate::input::Path;
use crate::routes::assessments::assess_episode;
use crate::state::AppState;

/// The groups of the form: their locale key and the contract sections they hold.
const GROUPS: &[(&str, &[&str])] = &[
    ("red_flags", &["red_flags"]),
    ("history", &["patient", "symptoms", "history", "work"]),
    ("exam", &["exam"]),
    ("imaging", &["imaging"]),
    ("diagnoses", &[]),
    ("conditions", &["conditions"]),
    ("questionnaires", &["questionnaires"]),
    ("plan", &[]),
];

/// How an item is answered.
pub(crate) enum Control {
    /// Yes, no, or not recorded.
    YesNo,
    /// A number typed.
    Number,
    /// One code of a list, or not recorded.
    Choice(&'static [&'static str]),
    /// A questionnaire item scored 0 to `max`, or unanswered.
    Score(u8),
    /// Not present, suspected or confirmed by imaging.
    Diagnosis,
    /// A date.
    Date,
}

/// One item of the form.
pub(crate) struct Item {
    /// The form field's name (the contract path for a scalar; `odi.1`; `diagnosis.disc_bulge`).
    pub name: String,
    /// The element's id.
    pub id: String,
    pub label: String,
    pub hint: Option<&'static str>,
    pub control: Control,
    /// The value shown (posted, or from the last assessment).
    pub value: String,
    pub error: Option<String>,
}

/// A group of items.
pub(crate) struct Group {
    /// Its locale key, `clinic.intake.group.<id>`.
    pub key: String,
    /// Its element id.
    pub anchor: String,
    pub items: Vec<Item>,
}

#[derive(Template)]
#[template(path = "clinic/intake.html")]
struct IntakePage {
    frame: Frame,
    patient: Patient,
    episode: Episode,
    groups: Vec<Group>,
    /// `(element id, message)` of every problem, in page order.
    errors: Vec<(String, String)>,
    /// Whether the form was pre-filled from an earlier assessment.
    prefilled: bool,
}

/// The form's values by field name.
#[derive(Default)]
struct Values(HashMap<String, String>);

impl Values {
    fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    /// The values a stored document gives the form.
    fn of_document(document: &Value) -> Self {
        let mut values = HashMap::new();
        for field in input_fields() {
            let text = match &document[field.section][field.name] {
                Value::Bool(true) => "yes".to_owned(),
                Value::Bool(false) => "no".to_owned(),
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.clone(),
                _ => continue,
            };
            values.insert(field.path.to_owned(), text);
        }
        for (list, name) in [("odi", "odi"), ("start_back", "start_back")] {
            for (i, item) in
                document["questionnaires"][list].as_array().into_iter().flatten().enumerate()
            {
                if let Some(n) = item.as_u64() {
                    values.insert(format!("{name}.{}", i + 1), n.to_string());
                }
            }
        }
        for diagnosis in document["diagnoses"].as_array().into_iter().flatten() {
            if let Some(code) = diagnosis["code"].as_str() {
                let confirmed = diagnosis["confirmed_by_imaging"] == Value::Bool(true);
                let answer = if confirmed { "confirmed" } else { "suspected" };
                values.insert(format!("diagnosis.{code}"), answer.to_owned());
            }
        }
        if let Some(start) = document["plan"]["start_date"].as_str() {
            values.insert("plan.start_date".to_owned(), start.to_owned());
        }
        Self(values)
    }

    /// The assessment document of the values: each scalar at its contract path (a number that
    /// does not read as one stays text, so that the contract's check names it), the
    /// questionnaires as item lists (blank items null) when any item is answered, the diagnoses
    /// as a list, the plan's start date.
    fn document(&self) -> Value {
        let mut doc = Map::new();
        for field in input_fields() {
            let text = self.get(field.path);
            if text.is_empty() {
                continue;
            }
            let value = match field.ty {
                ValueType::Bool => Value::Bool(text == "yes"),
                ValueType::Integer { .. } | ValueType::Number { .. } => number(text),
                ValueType::Enum(_) => Value::String(text.to_owned()),
            };
            let section = doc.entry(field.section).or_insert_with(|| json!({}));
            section[field.name] = value;
        }
        for (list, name, count) in
            [("odi", "odi", ODI_ITEMS), ("start_back", "start_back", START_BACK_ITEMS)]
        {
            let items: Vec<Value> = (1..=count)
                .map(|i| self.get(&format!("{name}.{i}")))
                .map(|text| if text.is_empty() { Value::Null } else { number(text) })
                .collect();
            if items.iter().any(|item| !item.is_null()) {
                let section = doc.entry("questionnaires").or_insert_with(|| json!({}));
                section[list] = Value::Array(items);
            }
        }
        let diagnoses: Vec<Value> = DIAGNOSIS_CODES
            .iter()
            .filter_map(|code| match self.get(&format!("diagnosis.{code}")) {
                "suspected" => Some(json!({ "code": code, "confirmed_by_imaging": false })),
                "confirmed" => Some(json!({ "code": code, "confirmed_by_imaging": true })),
                _ => None,
            })
            .collect();
        doc.insert("diagnoses".to_owned(), Value::Array(diagnoses));
        let start = self.get("plan.start_date");
        if !start.is_empty() {
            doc.insert("plan".to_owned(), json!({ "start_date": start }));
        }
        Value::Object(doc)
    }
}

fn number(text: &str) -> Value {
    text.parse::<i64>()
        .map(Value::from)
        .ok()
        .or_else(|| {
            text.parse::<f64>()
                .ok()
                .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
        })
        .unwrap_or_else(|| Value::String(text.to_owned()))
}

/// The contract's input fields, in the vocabulary's order.
fn input_fields() -> impl Iterator<Item = &'static Field> {
    FIELDS.iter().filter(|field| field.origin == Origin::Input)
}

/// The element id of a form field's name.
fn element_id(name: &str) -> String {
    format!("intake-{}", name.replace('.', "-"))
}

/// The element that a contract error's path points at (`questionnaires.odi[3]` → the fourth ODI
/// item; a path the form has no item for → the first item).
fn error_target(path: &str) -> String {
    let indexed = |list: &str| {
        crate::pages::questionnaire_item(path, list)
            .map(|item| element_id(&format!("{list}.{item}")))
    };
    if let Some(id) = indexed("odi").or_else(|| indexed("start_back")) {
        return id;
    }
    if path.starts_with("diagnoses") {
        return element_id(&format!("diagnosis.{}", DIAGNOSIS_CODES[0]));
    }
    if FIELDS.iter().any(|field| field.path == path) || path == "plan.start_date" {
        return element_id(path);
    }
    element_id(FIELDS[0].path)
}

/// The form's groups with their values and the problems found.
fn groups(values: &Values, errors: &[FieldError]) -> (Vec<Group>, Vec<(String, String)>) {
    let mut groups = Vec::new();
    for (id, sections) in GROUPS {
        let mut items = Vec::new();
        for field in input_fields().filter(|f| sections.contains(&f.section)) {
            let control = match field.ty {
                ValueType::Bool => Control::YesNo,
                ValueType::Integer { .. } | ValueType::Number { .. } => Control::Number,
                ValueType::Enum(codes) => Control::Choice(codes),
            };
            items.push(item(
                field.path,
                field.label.to_owned(),
                Some(field.wording),
                control,
                values,
            ));
        }
        match *id {
            "diagnoses" => {
                for code in DIAGNOSIS_CODES {
                    let label = code.replace('_', " ");
                    items.push(item(&format!("diagnosis.{code}"), label, None, Control::Diagnosis, values));
                }
            }
            "questionnaires" => {
                let odi = (1..=ODI_ITEMS).map(|i| (format!("odi.{i}"), format!("ODI section {i} (0–{ODI_ITEM_MAX})"), ODI_ITEM_MAX));
                let start_back = (1..=START_BACK_ITEMS).map(|i| {
                    let max = if i == START_BACK_ITEMS { 4 } else { 1 };
                    (format!("start_back.{i}"), format!("STarT Back item {i} (0–{max})"), max)
                });
                for (name, label, max) in odi.chain(start_back).collect::<Vec<_>>().into_iter().rev() {
                    items.insert(0, item(&name, label, None, Control::Score(max), values));
                }
            }
            "plan" => items.push(item("plan.start_date", "First session".to_owned(), Some("The date of the first session (YYYY-MM-DD); without one, the course is dated from today."), Control::Date, values)),
            _ => {}
        }
        groups.push(Group {
            key: format!("clinic.intake.group.{id}"),
            anchor: format!("intake-group-{id}"),
            items,
        });
    }
    let mut summary = Vec::new();
    for error in errors {
        let target = error_target(&error.path);
        let message = if error.path.is_empty() {
            error.message.clone()
        } else {
            format!("{}: {}", error.path, error.message)
        };
        if let Some(item) =
            groups.iter_mut().flat_map(|g| g.items.iter_mut()).find(|i| i.id == target)
            && item.error.is_none()
        {
            item.error = Some(message.clone());
        }
        summary.push((target, message));
    }
    (groups, summary)
}

fn item(
    name: &str,
    label: String,
    hint: Option<&'static str>,
    control: Control,
    values: &Values,
) -> Item {
    Item {
        name: name.to_owned(),
        id: element_id(name),
        label,
        hint,
        control,
        value: values.get(name).to_owned(),
        error: None,
    }
}

/// `GET /clinic/episodes/{episode_id}/intake`.
pub(crate) async fn form(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    path: Result<Path<String>, ApiError>,
) -> Response {
    if let Some(refused) = staff.refusal(Permission::Assess) {
        return refused;
    }
    let caller = &staff.caller;
    let read =
        audited(&state, Actor::User(caller), "episode.read", &request_id, async |tx, subject| {
            let Path(episode_id) = path?;
            let (patient, episode) = episode_of(tx, caller.clinic(), &episode_id).await?;
            subject.set(&episode.patient_id, &episode.episode_id);
            let last =
                assessments::assessments(tx, caller.clinic(), &episode_id, None, 1000).await?.pop();
            let document = match last {
                Some(record) => Some(record.document),
                None => consultations::request_of_patient(tx, caller.clinic(), &patient.patient_id)
                    .await?
                    .and_then(|request| request.assessment),
            };
            let values = document
                .and_then(|text| serde_json::from_str::<Value>(&text).ok())
                .map(|document| Values::of_document(&document));
            Ok((patient, episode, values))
        })
        .await;
    match read {
        Ok((patient, episode, values)) => {
            let prefilled = values.is_some();
            let (groups, errors) = groups(&values.unwrap_or_default(), &[]);
            staff.render(&IntakePage {
                frame: staff.frame(),
                patient,
                episode,
                groups,
                errors,
                prefilled,
            })
        }
        Err(error) => staff.failure(&error),
    }
}

/// `POST /clinic/episodes/{episode_id}/intake`: evaluates and stores the assessment, then shows
/// its recommendation; a document the contract refuses is the form again, every problem named.
pub(crate) async fn submit(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    path: Result<Path<String>, ApiError>,
    FormFields(form): FormFields,
) -> Response {
    let episode_id = match staff.target(Permission::Assess, path, "episode") {
        Ok(id) => id,
        Err(page) => return *page,
    };
    let values = Values(
        form.into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k, v.trim().to_owned()))
            .collect(),
    );
    let text = values.document().to_string();
    let caller = &staff.caller;
    let stored = audited(
        &state,
        Actor::User(caller),
        "assessment.create",
        &request_id,
        async |tx, subject| assess_episode(tx, &state, caller, subject, &episode_id, text).await,
    )
    .await;
    match stored {
        Ok(record) => {
            Redirect::to(&format!("/clinic/assessments/{}", record.assessment_id)).into_response()
        }
        Err(ApiError::Invalid(problems)) => {
            match super::reread(&state, async |tx| {
                episode_of(tx, caller.clinic(), &episode_id).await
            })
            .await
            {
                Ok((patient, episode)) => {
                    let (groups, errors) = groups(&values, &problems);
                    let page = IntakePage {
                        frame: staff.frame(),
                        patient,
                        episode,
                        groups,
                        errors,
                        prefilled: false,
                    };
                    staff.render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
                }
                Err(error) => staff.failure(&error),
            }
        }
        Err(error) => staff.failure(&error),
    }
}

/// An episode of the clinic with its patient.
async fn episode_of(
    tx: &mut discpath_store::Tx,
    clinic_id: &str,
    episode_id: &str,
) -> Result<(Patient, Episode), ApiError> {
    let episode =
        patients::episode(tx, clinic_id, episode_id).await?.ok_or(ApiError::NotFound("episode"))?;
    let patient = patients::patient(tx, clinic_id, &episode.patient_id)
        .await?
        .ok_or(ApiError::NotFound("patient"))?;
    Ok((patient, episode))
}
