//! A follow-up's answers: its label, questionnaires, pain scores and global impression of change.

use serde::de::MapAccess;

use super::Validator;
use super::loose::Loose;
use super::sections::Scalars;
use super::walk::{Entries, object_entry, unknown_entry};
use crate::vocabulary::{BACK_PAIN, GLOBAL_CHANGE, LEG_PAIN};

/// The entries of a follow-up's answers.
pub(super) struct FollowUp;

impl Entries for FollowUp {
    fn entry<'de, A: MapAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match key {
            "label" => match map.next_value::<Loose<'de>>()? {
                Loose::Str(label) if !label.trim().is_empty() && label.chars().count() <= 64 => {
                    validator.label = Some(label.trim().to_owned());
                }
                other => validator.error(
                    "label",
                    format!("expected a label of 1 to 64 characters, found {other}"),
                ),
            },
            "questionnaires" => {
                let handler = Scalars::with("questionnaires", &["odi", "start_back"]);
                object_entry(validator, "questionnaires", handler, map)?;
            }
            "pain" => object_entry(validator, "pain", Pain, map)?,
            "global_change" => match map.next_value::<Loose<'de>>()? {
                Loose::Str(code) if GLOBAL_CHANGE.contains(&code.as_ref()) => {
                    validator.global_change =
                        GLOBAL_CHANGE.iter().copied().find(|c| *c == code.as_ref());
                }
                other => validator.error(
                    "global_change",
                    format!("expected one of {}, found {other}", GLOBAL_CHANGE.join(", ")),
                ),
            },
            other => {
                let known = &["label", "questionnaires", "pain", "global_change"];
                unknown_entry(validator, other.to_owned(), other, known, map)?;
            }
        }
        Ok(())
    }

    fn end(self, validator: &mut Validator) {
        if validator.label.is_none() && !validator.errors.iter().any(|e| e.path == "label") {
            validator.error("label", "required");
        }
    }
}

/// A follow-up's pain scores: `back` and `leg`, each a 0–10 numeric rating.
pub(super) struct Pain;

impl Entries for Pain {
    fn entry<'de, A: MapAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let fact = match key {
            "back" => BACK_PAIN,
            "leg" => LEG_PAIN,
            other => {
                return unknown_entry(
                    validator,
                    format!("pain.{other}"),
                    other,
                    &["back", "leg"],
                    map,
                );
            }
        };
        let value: Loose<'de> = map.next_value()?;
        validator.doc.facts[fact.index()] =
            validator.scalar(|| format!("pain.{key}"), fact.field().ty, &value);
        Ok(())
    }

    fn end(self, _validator: &mut Validator) {}
}
