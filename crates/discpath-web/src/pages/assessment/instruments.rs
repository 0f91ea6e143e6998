//! The questionnaires' item texts per language (`instruments/{en,es}.toml`, embedded), or a
//! clinic's licensed texts from a directory of files of the same shape (serve's
//! `instrument_texts`), checked at start-up: ten ODI sections of six statements, eight STarT Back
//! statements and the five answers of its item 9. Scoring does not depend on the words.

use std::path::Path;

use serde::Deserialize;

use super::super::i18n::Lang;
use discpath_model::vocabulary::{ODI_ITEM_MAX, ODI_ITEMS, START_BACK_ITEMS};

/// The questionnaires' words in one language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InstrumentTexts {
    /// Whether these are the licensed, validated wordings.
    pub validated: bool,
    /// What the page says when they are not.
    pub unvalidated_label: String,
    /// The ODI.
    pub odi: OdiTexts,
    /// The STarT Back Screening Tool.
    pub start_back: StartBackTexts,
}

/// The ODI's words.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OdiTexts {
    /// The page's heading.
    pub title: String,
    /// What to do.
    pub intro: String,
    /// The ten sections.
    pub section: Vec<OdiSection>,
}

/// One ODI section: its heading and its six statements (scored 0 to 5).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OdiSection {
    /// Its heading.
    pub heading: String,
    /// Its statements, least disability first.
    pub options: Vec<String>,
}

/// The STarT Back tool's words.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StartBackTexts {
    /// The page's heading.
    pub title: String,
    /// What to do.
    pub intro: String,
    /// "Agree".
    pub agree: String,
    /// "Disagree".
    pub disagree: String,
    /// Items 1 to 8.
    pub items: Vec<String>,
    /// Item 9's question.
    pub bother_question: String,
    /// Item 9's five answers, "not at all" first.
    pub bother_options: Vec<String>,
}

/// The texts of every language, in [`Lang::ALL`] order.
#[derive(Debug, Clone)]
pub(crate) struct Instruments([InstrumentTexts; 2]);

impl Instruments {
    /// The embedded texts, or those of `dir` (`en.toml`, `es.toml`) when a clinic gives its
    /// own; an error names the file and what is wrong.
    pub(crate) fn load(dir: Option<&Path>) -> Result<Self, String> {
        let read = |lang: Lang| -> Result<InstrumentTexts, String> {
            let (name, source) = match dir {
                None => (format!("instruments/{lang}.toml"), embedded(lang).to_owned()),
                Some(dir) => {
                    let path = dir.join(format!("{lang}.toml"));
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    (path.display().to_string(), text)
                }
            };
            let texts: InstrumentTexts =
                toml::from_str(&source).map_err(|e| format!("{name}: {}", e.message().trim()))?;
            texts.check().map_err(|problem| format!("{name}: {problem}"))?;
            Ok(texts)
        };
        Ok(Self([read(Lang::En)?, read(Lang::Es)?]))
    }

    /// The texts of a language.
    pub(crate) fn of(&self, lang: Lang) -> &InstrumentTexts {
        match lang {
            Lang::En => &self.0[0],
            Lang::Es => &self.0[1],
        }
    }
}

fn embedded(lang: Lang) -> &'static str {
    match lang {
        Lang::En => include_str!("../../../instruments/en.toml"),
        Lang::Es => include_str!("../../../instruments/es.toml"),
    }
}

impl InstrumentTexts {
    fn check(&self) -> Result<(), String> {
        if self.odi.section.len() != ODI_ITEMS {
            return Err(format!(
                "odi: expected {ODI_ITEMS} sections, found {}",
                self.odi.section.len()
            ));
        }
        let options = usize::from(ODI_ITEM_MAX) + 1;
        for (index, section) in self.odi.section.iter().enumerate() {
            if section.options.len() != options {
                return Err(format!(
                    "odi section {}: expected {options} statements, found {}",
                    index + 1,
                    section.options.len()
                ));
            }
        }
        if self.start_back.items.len() != START_BACK_ITEMS - 1 {
            let found = self.start_back.items.len();
            return Err(format!(
                "start_back: expected {} items, found {found}",
                START_BACK_ITEMS - 1
            ));
        }
        if self.start_back.bother_options.len() != 5 {
            let found = self.start_back.bother_options.len();
            return Err(format!("start_back: expected 5 bother_options, found {found}"));
        }
        let empty = self
            .odi
            .section
            .iter()
            .flat_map(|s| std::iter::once(&s.heading).chain(&s.options))
            .chain(&self.start_back.items)
            .chain(&self.start_back.bother_options)
            .any(|text| text.trim().is_empty());
        if empty {
            return Err("a text is empty".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_texts_load_and_say_they_are_not_the_validated_wording() {
        let instruments = Instruments::load(None).unwrap_or_else(|e| panic!("{e}"));
        for lang in Lang::ALL {
            assert!(!instruments.of(lang).validated);
            assert!(!instruments.of(lang).unvalidated_label.is_empty());
        }
    }

    #[test]
    fn a_clinic_file_of_the_wrong_shape_is_refused_with_its_name() {
        let dir = std::env::temp_dir().join(format!("discpath-instruments-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        std::fs::write(dir.join("en.toml"), embedded(Lang::En).replace("\"Extremely\"]", "]"))
            .unwrap_or_default();
        std::fs::write(dir.join("es.toml"), embedded(Lang::Es)).unwrap_or_default();
        let error = Instruments::load(Some(&dir)).err().unwrap_or_default();
        assert!(
            error.contains("en.toml: start_back: expected 5 bother_options, found 4"),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap_or_default();
    }
}
