//! The answers of a self-assessment: read from each step's form, checked, carried between steps
//! in a signed hidden field (never in the URL, never stored), and turned into an assessment
//! document for the engine.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde_json::{Map, Value, json};
use sha2::Sha256;

use super::questions::{self, Kind, Question, Step, UNSURE};

/// The answers given so far, by question name, as the form sent them (`yes`, `7`, `female`;
/// the diagnoses as codes joined by commas).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Answers(BTreeMap<String, String>);

/// A problem with one answer: the question and the locale key of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The question's name.
    pub name: &'static str,
    /// The message's locale key (`error.choose`).
    pub message: &'static str,
}

/// The diagnoses' answer for "I don't know".
pub(crate) const DONT_KNOW: &str = "unknown";

impl Answers {
    /// The answer to a question.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Whether a question is asked, given the answers so far (`conditions.pregnancy` only of
    /// women).
    pub(crate) fn asks(&self, question: &Question) -> bool {
        question.only_if.is_none_or(|(name, value)| self.get(name) == Some(value))
    }

    /// Reads one step's answers from its form, replacing what was given before, and returns
    /// the problems (in page order). An answer with a problem is not kept.
    pub(crate) fn take_step(&mut self, step: &Step, form: &[(String, String)]) -> Vec<Problem> {
        let mut problems = Vec::new();
        let skipped = step.all_or_none
            && !form.iter().any(|(name, value)| {
                !value.trim().is_empty() && step.questions.iter().any(|q| q.name == name)
            });
        for question in step.questions {
            if skipped {
                self.0.remove(question.name);
                continue;
            }
            self.0.remove(question.name);
            if !self.asks(question) {
                continue;
            }
            let given: Vec<&str> = form
                .iter()
                .filter(|(name, _)| name == question.name)
                .map(|(_, value)| value.trim())
                .filter(|value| !value.is_empty())
                .collect();
            match read(question, &given, self) {
                Ok(Some(value)) => {
                    self.0.insert(question.name.to_owned(), value);
                }
                Ok(None) => {}
                Err(message) => problems.push(Problem { name: question.name, message }),
            }
        }
        problems
    }

    /// Whether every question of the step that must be answered, given the answers so far, is
    /// (a questionnaire that may be skipped whole is complete when nothing of it was given).
    pub(crate) fn complete(&self, step: &Step) -> bool {
        if step.all_or_none && step.questions.iter().all(|q| self.get(q.name).is_none()) {
            return true;
        }
        step.questions
            .iter()
            .filter(|question| self.asks(question))
            .all(|question| self.get(question.name).is_some() || read(question, &[], self).is_ok())
    }

    /// The assessment document of the answers: each scalar at its contract path, the diagnoses
    /// as a list, the questionnaires as item lists. "I'm not sure" leaves a field out (unknown
    /// to the engine), as does every question not yet reached.
    pub(crate) fn document(&self) -> Value {
        let mut doc = Map::new();
        let mut odi: Vec<Value> = Vec::new();
        let mut start_back: Vec<Value> = Vec::new();
        for question in questions::all() {
            let value = self.get(question.name).filter(|_| self.asks(question));
            match question.kind {
                Kind::Diagnoses => {
                    if let Some(codes) = value {
                        let confirmed = self.get("diagnoses_confirmed") == Some("yes");
                        let list: Vec<Value> = codes
                            .split(',')
                            .filter(|code| *code != DONT_KNOW)
                            .map(|code| json!({ "code": code, "confirmed_by_imaging": confirmed }))
                            .collect();
                        doc.insert("diagnoses".to_owned(), Value::Array(list));
                    }
                }
                Kind::Odi(_) => odi.push(value.and_then(number).unwrap_or(Value::Null)),
                Kind::StartBack(_) => start_back.extend(value.and_then(number)),
                _ if question.name == "diagnoses_confirmed" => {}
                kind => {
                    let Some(value) = value.and_then(|v| scalar(kind, v)) else { continue };
                    let Some((section, field)) = question.name.split_once('.') else { continue };
                    let section = doc.entry(section).or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(section) = section {
                        section.insert(field.to_owned(), value);
                    }
                }
            }
        }
        let mut questionnaires = Map::new();
        if odi.iter().any(|item| !item.is_null()) {
            questionnaires.insert("odi".to_owned(), Value::Array(odi));
        }
        if start_back.len() == discpath_model::vocabulary::START_BACK_ITEMS {
            questionnaires.insert("start_back".to_owned(), Value::Array(start_back));
        }
        if !questionnaires.is_empty() {
            doc.insert("questionnaires".to_owned(), Value::Object(questionnaires));
        }
        Value::Object(doc)
    }

    /// Sets answers directly (tests; the pages only take answers from forms).
    #[cfg(test)]
    pub(crate) fn with(pairs: &[(&str, &str)]) -> Self {
        Self(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }
}

/// One question's answer from the values its form sent: `Ok(None)` when it may stay
/// unanswered, an error key when it must be answered or is not an answer it accepts.
fn read(
    question: &Question,
    given: &[&str],
    answers: &Answers,
) -> Result<Option<String>, &'static str> {
    let codes = questions::codes(question.kind);
    match (question.kind, given) {
        (Kind::Diagnoses, []) => Err("error.diagnoses"),
        (Kind::Diagnoses, chosen) => {
            if chosen.contains(&DONT_KNOW) {
                return if chosen.len() == 1 {
                    Ok(Some(DONT_KNOW.to_owned()))
                } else {
                    Err("error.diagnoses_both")
                };
            }
            if chosen.iter().any(|code| !codes.contains(code)) {
                return Err("error.diagnoses");
            }
            let mut chosen = chosen.to_vec();
            chosen.sort_by_key(|code| codes.iter().position(|c| c == code));
            chosen.dedup();
            Ok(Some(chosen.join(",")))
        }
        (_, []) if question.name == "diagnoses_confirmed" => {
            // Asked only about diagnoses the patient named.
            let named = answers.get("diagnoses").is_some_and(|codes| codes != DONT_KNOW);
            if named { Err("error.choose") } else { Ok(None) }
        }
        (_, []) if question.required => Err(missing(question.kind)),
        (_, []) => Ok(None),
        (_, [_, _, ..]) => Err(missing(question.kind)),
        (Kind::Whole { min, max }, [text]) => match text.parse::<u16>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n.to_string())),
            _ => Err("error.whole"),
        },
        (Kind::YesNoUnsure | Kind::Choice { unsure: true, .. }, [UNSURE]) => {
            Ok(Some(UNSURE.to_owned()))
        }
        (_, [code]) if codes.contains(code) => Ok(Some((*code).to_owned())),
        (kind, _) => Err(missing(kind)),
    }
}

/// The message for a question left unanswered.
fn missing(kind: Kind) -> &'static str {
    match kind {
        Kind::Whole { .. } => "error.whole",
        _ => "error.choose",
    }
}

/// A number from its form text.
fn number(text: &str) -> Option<Value> {
    text.parse::<u64>().ok().map(Value::from)
}

/// The JSON value of a scalar answer, `None` for "I'm not sure".
fn scalar(kind: Kind, text: &str) -> Option<Value> {
    match (kind, text) {
        (_, UNSURE) => None,
        (Kind::YesNo | Kind::YesNoUnsure, "yes") => Some(Value::Bool(true)),
        (Kind::YesNo | Kind::YesNoUnsure, "no") => Some(Value::Bool(false)),
        (Kind::Whole { .. } | Kind::Scale, _) => number(text),
        (Kind::Choice { .. }, code) => Some(Value::String(code.to_owned())),
        _ => None,
    }
}

/// How long a self-assessment's answers stay valid between steps.
const LIFETIME_SECS: i64 = 24 * 3600;

/// Seals answers into the hidden field and opens them again: HMAC-SHA256 with the server's
/// secret over the clinic's slug, the time they were sealed and the answers, so a form can
/// neither forge nor alter them, nor carry them to another clinic, nor use them a day later.
#[derive(Clone)]
pub(crate) struct Seal {
    keyed: Hmac<Sha256>,
}

/// Why sealed answers were not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unsealed {
    /// Altered, forged or from another clinic or server secret.
    Invalid,
    /// Older than a day.
    Expired,
}

impl Seal {
    /// A seal with this secret.
    pub(crate) fn new(key: &[u8]) -> Self {
        let keyed = Hmac::<Sha256>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        Self { keyed }
    }

    fn mac(&self, slug: &str, body: &str) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        mac.update(b"discpath self-assessment v1\0");
        mac.update(slug.as_bytes());
        mac.update(b"\0");
        mac.update(body.as_bytes());
        mac
    }

    /// The hidden field's value for these answers, sealed at `now` (Unix seconds).
    pub(crate) fn seal(&self, slug: &str, answers: &Answers, now: i64) -> String {
        let payload = json!({ "t": now, "a": answers.0 });
        let body = URL_SAFE_NO_PAD.encode(payload.to_string());
        let tag = URL_SAFE_NO_PAD.encode(self.mac(slug, &body).finalize().into_bytes());
        format!("{body}.{tag}")
    }

    /// The answers of a hidden field, if this server sealed them for this clinic within the
    /// last day.
    pub(crate) fn open(&self, slug: &str, field: &str, now: i64) -> Result<Answers, Unsealed> {
        let (body, tag) = field.split_once('.').ok_or(Unsealed::Invalid)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| Unsealed::Invalid)?;
        self.mac(slug, body).verify_slice(&tag).map_err(|_| Unsealed::Invalid)?;
        let payload = URL_SAFE_NO_PAD.decode(body).map_err(|_| Unsealed::Invalid)?;
        let payload: Value = serde_json::from_slice(&payload).map_err(|_| Unsealed::Invalid)?;
        let sealed = payload.get("t").and_then(Value::as_i64).ok_or(Unsealed::Invalid)?;
        if !(0..=LIFETIME_SECS).contains(&(now - sealed)) {
            return Err(Unsealed::Expired);
        }
        let answers: BTreeMap<String, String> =
            serde_json::from_value(payload.get("a").cloned().unwrap_or_default())
                .map_err(|_| Unsealed::Invalid)?;
        Ok(Answers(answers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_answers_open_only_unaltered_for_the_same_clinic_within_a_day() {
        let seal = Seal::new(b"a test secret of some length");
        let answers = Answers::with(&[("red_flags.fever", "no"), ("patient.age", "47")]);
        let field = seal.seal("demo", &answers, 1000);
        assert_eq!(seal.open("demo", &field, 1000 + 3600), Ok(answers));
        assert_eq!(seal.open("other", &field, 1000), Err(Unsealed::Invalid));
        assert_eq!(seal.open("demo", &field, 1000 + LIFETIME_SECS + 1), Err(Unsealed::Expired));
        assert_eq!(Seal::new(b"another secret").open("demo", &field, 1000), Err(Unsealed::Invalid));
        // Change one answer and keep the tag: refused.
        let (_, tag) = field.split_once('.').unwrap_or_default();
        let forged = Answers::with(&[("red_flags.fever", "no"), ("patient.age", "18")]);
        let forged_body = seal.seal("demo", &forged, 1000);
        let (forged_body, _) = forged_body.split_once('.').unwrap_or_default();
        assert_eq!(
            seal.open("demo", &format!("{forged_body}.{tag}"), 1000),
            Err(Unsealed::Invalid)
        );
        assert_eq!(seal.open("demo", "garbage", 1000), Err(Unsealed::Invalid));
    }

    #[test]
    fn a_step_keeps_good_answers_and_names_each_problem() {
        let (_, symptoms) = questions::step("symptoms").unwrap_or_else(|| unreachable!());
        let form: Vec<(String, String)> = [
            ("patient.age", "abc"),
            ("patient.sex", "female"),
            ("symptoms.duration_weeks", "10"),
            ("symptoms.back_pain", "11"),
            ("symptoms.pain_below_knee", "yes"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let mut answers = Answers::default();
        let problems = answers.take_step(symptoms, &form);
        let names: Vec<&str> = problems.iter().map(|p| p.name).collect();
        assert_eq!(names, ["patient.age", "symptoms.back_pain", "symptoms.leg_pain"]);
        assert_eq!(answers.get("patient.sex"), Some("female"));
        assert_eq!(answers.get("patient.age"), None);
    }

    #[test]
    fn the_document_carries_each_answer_at_its_contract_path() {
        let answers = Answers::with(&[
            ("red_flags.fever", "no"),
            ("patient.sex", "male"),
            ("conditions.pregnancy", "no"),
            ("conditions.spinal_hardware", "unsure"),
            ("conditions.osteoporosis", "osteopenia"),
            ("diagnoses", "disc_herniation,radiculopathy"),
            ("diagnoses_confirmed", "yes"),
            ("odi.1", "3"),
            ("symptoms.leg_pain", "7"),
        ]);
        let doc = answers.document();
        assert_eq!(doc["red_flags"]["fever"], json!(false));
        assert_eq!(doc["symptoms"]["leg_pain"], json!(7));
        assert_eq!(doc["conditions"]["osteoporosis"], json!("osteopenia"));
        // Not asked of men, and "not sure" is unanswered.
        assert!(doc["conditions"].get("pregnancy").is_none());
        assert!(doc["conditions"].get("spinal_hardware").is_none());
        assert_eq!(
            doc["diagnoses"][1],
            json!({ "code": "radiculopathy", "confirmed_by_imaging": true })
        );
        assert_eq!(doc["questionnaires"]["odi"][0], json!(3));
        assert_eq!(doc["questionnaires"]["odi"][1], Value::Null);
        assert!(doc["questionnaires"].get("start_back").is_none());
        assert!(discpath_model::from_value_partial(&doc).is_ok());
    }
}
