//! A step's questions as the page shows them: label, hint, error, and the options with the
//! patient's answers checked — every word from the locale or the instrument files.

use super::answers::{Answers, DONT_KNOW, Problem};
use super::instruments::InstrumentTexts;
use super::questions::{self, Kind, Question, UNSURE};
use crate::pages::i18n::Texts;

/// One question on the page.
pub(crate) struct QuestionView {
    /// The form field.
    pub name: &'static str,
    /// The id of its block (`red_flags-fever`), and the prefix of its inputs' ids.
    pub id: String,
    /// The question.
    pub label: String,
    /// A hint under it.
    pub hint: Option<String>,
    /// What is wrong, when something is.
    pub error: Option<String>,
    /// `radio`, `checkbox` or `number`.
    pub control: &'static str,
    /// Options in a row (yes / no) rather than a column.
    pub inline: bool,
    /// The options (radios, checkboxes).
    pub options: Vec<OptionView>,
    /// The typed value (number).
    pub value: String,
    /// The ids that describe the input or fieldset (hint, error), space-separated.
    pub described_by: String,
    /// Where the error summary's link leads: the input, or the first option.
    pub anchor: String,
}

/// One option.
pub(crate) struct OptionView {
    /// Its input's id.
    pub id: String,
    /// The value sent.
    pub value: &'static str,
    /// Its words.
    pub label: String,
    /// Whether the patient chose it.
    pub checked: bool,
}

/// The text of a locale key that the completeness tests guarantee.
fn text(tr: &Texts, key: &str) -> String {
    tr.t(key).to_owned()
}

/// The views of a step's questions that are asked, given the answers so far.
pub(crate) fn questions(
    step: &'static [Question],
    answers: &Answers,
    problems: &[Problem],
    tr: &Texts,
    instruments: &InstrumentTexts,
) -> Vec<QuestionView> {
    step.iter()
        .filter(|question| answers.asks(question))
        .map(|question| one(question, answers, problems, tr, instruments))
        .collect()
}

fn one(
    question: &'static Question,
    answers: &Answers,
    problems: &[Problem],
    tr: &Texts,
    instruments: &InstrumentTexts,
) -> QuestionView {
    let id = question.name.replace('.', "-");
    let given = answers.get(question.name).unwrap_or_default();
    let chosen: Vec<&str> = given.split(',').collect();
    let (label, hint) = match question.kind {
        Kind::Odi(section) => {
            let heading = instruments.odi.section.get(section).map(|s| s.heading.clone());
            (heading.unwrap_or_default(), None)
        }
        Kind::StartBack(item) => {
            let words = instruments.start_back.items.get(item);
            let label =
                words.cloned().unwrap_or_else(|| instruments.start_back.bother_question.clone());
            (format!("{}. {label}", item + 1), None)
        }
        _ => {
            let hint_key = format!("hint.{}", question.name);
            let hint = tr.has(&hint_key).then(|| text(tr, &hint_key));
            (text(tr, &format!("question.{}", question.name)), hint)
        }
    };
    let error = problems.iter().find(|p| p.name == question.name).map(|problem| {
        // A typed number has its own message ("Enter your age in years, for example 47").
        let own = format!("error.{}", question.name);
        if problem.message == "error.whole" && tr.has(&own) {
            text(tr, &own)
        } else {
            text(tr, problem.message)
        }
    });
    let mut options: Vec<OptionView> = questions::codes(question.kind)
        .iter()
        .enumerate()
        .map(|(index, code)| OptionView {
            id: format!("{id}-{index}"),
            value: code,
            label: option_label(question.kind, index, code, tr, instruments),
            checked: chosen.contains(code),
        })
        .collect();
    let unsure = match question.kind {
        Kind::Choice { unsure: true, .. } => Some(UNSURE),
        Kind::Diagnoses => Some(DONT_KNOW),
        _ => None,
    };
    if let Some(code) = unsure {
        let key = if code == DONT_KNOW { "choice.diagnosis.unknown" } else { "answer.unsure" };
        let index = options.len();
        options.push(OptionView {
            id: format!("{id}-{index}"),
            value: code,
            label: text(tr, key),
            checked: chosen.contains(&code),
        });
    }
    let (control, inline) = match question.kind {
        Kind::Whole { .. } => ("number", false),
        Kind::Diagnoses => ("checkbox", false),
        Kind::YesNo | Kind::YesNoUnsure | Kind::Scale => ("radio", true),
        Kind::StartBack(item) => ("radio", item + 1 < discpath_model::vocabulary::START_BACK_ITEMS),
        _ => ("radio", false),
    };
    let hint_id = hint.as_ref().map(|_| format!("{id}-hint"));
    let error_id = error.as_ref().map(|_| format!("{id}-error"));
    let described_by = [hint_id, error_id].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let anchor = if control == "number" { format!("{id}-input") } else { format!("{id}-0") };
    let value = if control == "number" { given.to_owned() } else { String::new() };
    QuestionView {
        name: question.name,
        id,
        label,
        hint,
        error,
        control,
        inline,
        options,
        value,
        described_by,
        anchor,
    }
}

fn option_label(
    kind: Kind,
    index: usize,
    code: &str,
    tr: &Texts,
    instruments: &InstrumentTexts,
) -> String {
    match kind {
        Kind::YesNo | Kind::YesNoUnsure => text(tr, &format!("answer.{code}")),
        Kind::Scale => code.to_owned(),
        Kind::Choice { list, .. } => text(tr, &format!("choice.{list}.{code}")),
        Kind::Diagnoses => text(tr, &format!("choice.diagnosis.{code}")),
        Kind::Odi(section) => instruments
            .odi
            .section
            .get(section)
            .and_then(|s| s.options.get(index))
            .cloned()
            .unwrap_or_default(),
        Kind::StartBack(item) if item + 1 == discpath_model::vocabulary::START_BACK_ITEMS => {
            instruments.start_back.bother_options.get(index).cloned().unwrap_or_default()
        }
        Kind::StartBack(_) if code == "1" => instruments.start_back.agree.clone(),
        Kind::StartBack(_) => instruments.start_back.disagree.clone(),
        Kind::Whole { .. } => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::i18n::{Lang, texts};

    #[test]
    fn every_question_and_answer_has_words_in_every_language() {
        let instruments = super::super::Instruments::load(None).unwrap_or_else(|e| panic!("{e}"));
        for lang in Lang::ALL {
            let tr = texts(lang);
            for question in questions::all() {
                if !matches!(question.kind, Kind::Odi(_) | Kind::StartBack(_)) {
                    assert!(
                        tr.has(&format!("question.{}", question.name)),
                        "{lang}: {}",
                        question.name
                    );
                }
                for (index, code) in questions::codes(question.kind).iter().enumerate() {
                    let label = option_label(question.kind, index, code, tr, instruments.of(lang));
                    assert!(
                        !label.is_empty()
                            && !label.starts_with("choice.")
                            && !label.starts_with("answer."),
                        "{lang}: {} {code}",
                        question.name
                    );
                }
            }
        }
    }
}
