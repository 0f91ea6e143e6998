//! The patient-facing wording (`patient/<language>.toml`): every factor and therapy of the
//! comparison, every therapy of the care plan, every red flag, every pathway, every pathway
//! rule and every evidence statement worded in every language; no unknown or twice-worded id; no empty text; no placeholder
//! but `{emergency_number}`.

use discpath_model::Pathway;
use toml::Spanned;

use super::{At, Compiler, MAX_LABEL_CHARS};
use crate::model::{Evidence, PathwayRule, RedFlag};
use crate::patient::{
    EMERGENCY_NUMBER, Language, PatientComparison, PatientEvidence, PatientRedFlag, PatientTexts,
    PatientTherapy,
};
use crate::raw;
use crate::text::Text;

/// What the patient texts word, from the rest of the knowledge base.
pub(super) struct Worded<'k> {
    pub red_flags: &'k [RedFlag],
    pub pathway: &'k [PathwayRule],
    pub evidence: &'k Evidence,
}

/// Whether a text is a heading (one short line) or running text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Heading,
    Sentences,
}

impl Compiler<'_> {
    pub(super) fn patient_texts(
        &mut self,
        language: Language,
        file: &raw::PatientFile,
        worded: &Worded<'_>,
    ) -> PatientTexts {
        let name = language.file();
        let at = self.entry_at(name, &file.disclaimer);
        let disclaimer =
            self.patient_text(&at, "disclaimer", file.disclaimer.get_ref(), Kind::Sentences);

        let therapies = self.therapies.clone();
        let found = self.match_ids(language, "therapy", &therapies, &file.therapy_intro, |e| &e.id);
        let therapy_intros = therapies
            .iter()
            .zip(found)
            .map(|(id, entry)| {
                let text = entry.map_or_else(empty, |entry| {
                    let at = self.entry_at(name, &entry.id);
                    let subject = format!("therapy {id}: text");
                    self.patient_text(&at, &subject, &entry.text, Kind::Sentences)
                });
                (id.clone(), text)
            })
            .collect();

        let comparison = self.patient_comparison(language, &file.comparison, worded.evidence);

        let ids: Vec<String> = worded.red_flags.iter().map(|flag| flag.meta.id.clone()).collect();
        let found = self.match_ids(language, "red flag", &ids, &file.red_flag, |e| &e.id);
        let red_flags = ids
            .iter()
            .zip(found)
            .map(|(id, entry)| {
                let (title, text) = entry.map_or_else(
                    || (empty(), empty()),
                    |entry| {
                        let at = self.entry_at(name, &entry.id);
                        let title = format!("red flag {id}: title");
                        let text = format!("red flag {id}: text");
                        (
                            self.patient_text(&at, &title, &entry.title, Kind::Heading),
                            self.patient_text(&at, &text, &entry.text, Kind::Sentences),
                        )
                    },
                );
                PatientRedFlag { id: id.clone(), title, text }
            })
            .collect();

        let codes: Vec<String> = Pathway::ALL.iter().map(|p| p.as_str().to_owned()).collect();
        let found = self.match_ids(language, "pathway", &codes, &file.pathway, |e| &e.id);
        let texts: Vec<Text> = codes
            .iter()
            .zip(found)
            .map(|(code, entry)| {
                entry.map_or_else(empty, |entry| {
                    let at = self.entry_at(name, &entry.id);
                    let subject = format!("pathway {code}: text");
                    self.patient_text(&at, &subject, &entry.text, Kind::Sentences)
                })
            })
            .collect();
        let pathways = texts.try_into().unwrap_or_else(|_| Pathway::ALL.map(|_| empty()));

        let ids: Vec<String> = worded.pathway.iter().map(|rule| rule.meta.id.clone()).collect();
        let found = self.match_ids(language, "pathway rule", &ids, &file.rule, |e| &e.id);
        let rules = ids
            .iter()
            .zip(found)
            .map(|(id, entry)| {
                let text = entry.map_or_else(empty, |entry| {
                    let at = self.entry_at(name, &entry.id);
                    let subject = format!("pathway rule {id}: text");
                    self.patient_text(&at, &subject, &entry.text, Kind::Sentences)
                });
                (id.clone(), text)
            })
            .collect();

        let ids: Vec<String> =
            worded.evidence.statements.iter().map(|s| s.meta.id.clone()).collect();
        let found = self.match_ids(language, "evidence statement", &ids, &file.evidence, |e| &e.id);
        let evidence = ids
            .iter()
            .zip(found)
            .map(|(id, entry)| {
                let (text, provenance) = entry.map_or_else(
                    || (empty(), empty()),
                    |entry| {
                        let at = self.entry_at(name, &entry.id);
                        let text = format!("evidence {id}: text");
                        let provenance = format!("evidence {id}: provenance");
                        (
                            self.patient_text(&at, &text, &entry.text, Kind::Sentences),
                            self.patient_text(&at, &provenance, &entry.provenance, Kind::Heading),
                        )
                    },
                );
                PatientEvidence { id: id.clone(), text, provenance }
            })
            .collect();

        PatientTexts {
            language,
            disclaimer,
            therapy_intros,
            comparison,
            red_flags,
            pathways,
            rules,
            evidence,
        }
    }

    fn patient_comparison(
        &mut self,
        language: Language,
        file: &raw::RawPatientComparison,
        evidence: &Evidence,
    ) -> PatientComparison {
        let name = language.file();
        let factor_ids: Vec<String> = evidence.factors.iter().map(|(id, _)| id.clone()).collect();
        let found = self.match_ids(language, "factor", &factor_ids, &file.factor, |e| &e.id);
        let factors = factor_ids
            .iter()
            .zip(found)
            .map(|(id, entry)| {
                let label = entry.map_or_else(empty, |entry| {
                    let at = self.entry_at(name, &entry.id);
                    let subject = format!("factor {id}: label");
                    self.patient_text(&at, &subject, &entry.label, Kind::Heading)
                });
                (id.clone(), label)
            })
            .collect();
        let therapy_ids: Vec<String> = evidence.therapies.iter().map(|t| t.id.clone()).collect();
        let found = self.match_ids(language, "therapy", &therapy_ids, &file.therapy, |e| &e.id);
        let therapies = therapy_ids
            .iter()
            .zip(found)
            .map(|(id, entry)| {
                let Some(entry) = entry else {
                    return PatientTherapy { id: id.clone(), name: empty(), values: Vec::new() };
                };
                let at = self.entry_at(name, &entry.id);
                let subject = format!("therapy {id}: name");
                let therapy_name = self.patient_text(&at, &subject, &entry.name, Kind::Heading);
                for key in entry.values.keys() {
                    if !factor_ids.contains(key) {
                        self.error(&at, format!("therapy {id}: unknown factor {key}"));
                    }
                }
                let values = factor_ids
                    .iter()
                    .map(|factor| match entry.values.get(factor) {
                        Some(value) => {
                            let subject = format!("therapy {id}: value for {factor}");
                            self.patient_text(&at, &subject, value, Kind::Sentences)
                        }
                        None => {
                            let message = format!(
                                "no {} wording for factor {factor} of therapy {id}",
                                language_name(language)
                            );
                            self.error(&at, message);
                            empty()
                        }
                    })
                    .collect();
                PatientTherapy { id: id.clone(), name: therapy_name, values }
            })
            .collect();
        PatientComparison { factors, therapies }
    }

    /// Matches a list's entries to the ids the knowledge base has, in the knowledge base's
    /// order, reporting unknown and twice-worded ids, and every id with no wording.
    fn match_ids<'r, T>(
        &mut self,
        language: Language,
        what: &str,
        known: &[String],
        entries: &'r [T],
        id_of: impl Fn(&T) -> &Spanned<String>,
    ) -> Vec<Option<&'r T>> {
        let name = language.file();
        let mut found: Vec<Option<(&'r T, Option<usize>)>> = vec![None; known.len()];
        for entry in entries {
            let id = id_of(entry);
            let at = self.entry_at(name, id);
            let slot = known.iter().position(|k| k == id.get_ref()).and_then(|i| found.get_mut(i));
            match slot {
                Some(Some((_, line))) => {
                    let other = line.map(|line| format!(" (also at line {line})"));
                    let message = format!(
                        "{what} {} is worded twice{}",
                        id.get_ref(),
                        other.unwrap_or_default()
                    );
                    self.error(&at, message);
                }
                Some(slot) => *slot = Some((entry, at.line)),
                None => {
                    let hint = suggestion(id.get_ref(), known);
                    self.error(&at, format!("unknown {what} {}{hint}", id.get_ref()));
                }
            }
        }
        for (id, entry) in known.iter().zip(&found) {
            if entry.is_none() {
                let defined = self
                    .rule_ids
                    .get(id)
                    .map(|(file, line)| match line {
                        Some(line) => format!(" ({file}:{line})"),
                        None => format!(" ({file})"),
                    })
                    .unwrap_or_default();
                let message =
                    format!("no {} wording for {what} {id}{defined}", language_name(language));
                self.error(&At::file(name), message);
            }
        }
        found.into_iter().map(|entry| entry.map(|(entry, _)| entry)).collect()
    }

    /// The place of an entry, by its id (or its text) in a patient file.
    fn entry_at(&self, file: &'static str, key: &Spanned<String>) -> At {
        At { file, line: Some(self.line(file, key.span().start)), rule: None }
    }

    /// Checks a patient text: not empty, a heading on one short line, no placeholder but
    /// `{emergency_number}`.
    fn patient_text(&mut self, at: &At, subject: &str, text: &str, kind: Kind) -> Text {
        let text = text.trim();
        if text.is_empty() {
            self.error(at, format!("{subject} is empty"));
        }
        if kind == Kind::Heading && (text.chars().count() > MAX_LABEL_CHARS || text.contains('\n'))
        {
            let message =
                format!("{subject} is a heading: one line of at most {MAX_LABEL_CHARS} characters");
            self.error(at, message);
        }
        if let Some(stray) = stray_placeholder(text) {
            let message = format!(
                "{subject}: {stray} is not a placeholder (the only one is {EMERGENCY_NUMBER})"
            );
            self.error(at, message);
        }
        Text::new(text)
    }
}

fn empty() -> Text {
    Text::new("")
}

/// `Spanish (es)`.
fn language_name(language: Language) -> String {
    format!("{} ({})", language.name(), language.as_str())
}

/// The first brace in a text that does not belong to `{emergency_number}`, with what follows it
/// up to its closing brace (or a few characters).
fn stray_placeholder(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(at) = rest.find(['{', '}']) {
        let tail = rest.get(at..).unwrap_or_default();
        if let Some(after) = tail.strip_prefix(EMERGENCY_NUMBER) {
            rest = after;
            continue;
        }
        let shown: String = match tail.find('}') {
            Some(close) if tail.starts_with('{') && close <= 40 => {
                tail.get(..=close).unwrap_or(tail).to_owned()
            }
            _ => tail.chars().take(12).collect(),
        };
        return Some(shown);
    }
    None
}

/// ` (did you mean …?)` when a known id is close, ` (one of …)` when there are few.
fn suggestion(id: &str, known: &[String]) -> String {
    let close = known
        .iter()
        .map(|candidate| (strsim::levenshtein(id, candidate), candidate))
        .filter(|(distance, _)| *distance <= 3)
        .min_by_key(|(distance, _)| *distance);
    match close {
        Some((_, candidate)) => format!(" (did you mean {candidate}?)"),
        None if known.len() <= 8 => format!(" (one of {})", known.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::stray_placeholder;

    #[test]
    fn only_the_emergency_number_is_a_placeholder() {
        assert_eq!(stray_placeholder("Call {emergency_number} now"), None);
        assert_eq!(stray_placeholder("{emergency_number} or {emergency_number}"), None);
        assert_eq!(stray_placeholder("no braces"), None);
        assert_eq!(stray_placeholder("Call {number} now").as_deref(), Some("{number}"));
        assert_eq!(stray_placeholder("Call {emergency_number}} now").as_deref(), Some("} now"));
        assert_eq!(stray_placeholder("Call {emergency_number").as_deref(), Some("{emergency_n"));
    }
}
