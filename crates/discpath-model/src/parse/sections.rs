//! The document's sections: scalar fields, diagnoses and the questionnaires' item lists.

use std::ops::Range;

use serde::de::{MapAccess, SeqAccess};

use super::loose::Loose;
use super::plan::Plan;
use super::walk::{Elements, Entries, Shape, array_entry, object, object_entry, unknown_entry};
use super::{Validator, section_range};
use crate::document::{Diagnosis, DiagnosisCode};
use crate::vocabulary::{
    DIAGNOSIS_CODES, FIELDS, ODI_ITEM_MAX, ODI_ITEMS, REQUIRED_SECTIONS, SECTIONS,
    START_BACK_ITEMS, Scalar, ValueType,
};

/// The document's entries: its sections.
#[derive(Default)]
pub(super) struct Sections {
    /// Bit `i` set: section `i` of [`SECTIONS`] is present.
    present: u32,
}

impl Entries for Sections {
    fn entry<'de, A: MapAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let Some(index) = SECTIONS.iter().position(|s| *s == key) else {
            return unknown_entry(validator, key.to_owned(), key, SECTIONS, map);
        };
        let section = SECTIONS[index];
        self.present |= 1 << index;
        match section {
            "diagnoses" => {
                validator.doc.answers_diagnoses = true;
                array_entry(validator, section, "an array", Diagnoses, map)
            }
            "questionnaires" => object_entry(
                validator,
                section,
                Scalars::with(section, &["odi", "start_back"]),
                map,
            ),
            "plan" => object_entry(validator, section, Plan, map),
            _ => object_entry(validator, section, Scalars::with(section, &[]), map),
        }
    }

    fn end(self, validator: &mut Validator) {
        for section in REQUIRED_SECTIONS {
            let index = SECTIONS.iter().position(|s| s == section).unwrap_or(0);
            if self.present & (1 << index) == 0 {
                validator.required(*section);
            }
        }
    }
}

/// The scalar fields of a section; `special` keys (the questionnaires' item lists) are read by
/// their own walkers.
pub(super) struct Scalars {
    section: &'static str,
    range: Range<usize>,
    special: &'static [&'static str],
    /// Bit `i` set: field `i` of [`FIELDS`] was named.
    named: u128,
}

impl Scalars {
    pub(super) fn with(section: &'static str, special: &'static [&'static str]) -> Self {
        Self { section, range: section_range(section), special, named: 0 }
    }
}

impl Entries for Scalars {
    fn entry<'de, A: MapAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match key {
            "odi" if self.special.contains(&"odi") => {
                let path = "questionnaires.odi";
                let what = "an array of 10 items";
                return array_entry(validator, path, what, Items::odi(), map);
            }
            "start_back" if self.special.contains(&"start_back") => {
                let path = "questionnaires.start_back";
                let what = "an array of 9 items";
                return array_entry(validator, path, what, Items::start_back(), map);
            }
            _ => {}
        }
        let fields = &FIELDS[self.range.clone()];
        // The first byte and the length rule out most fields before the bytes are compared.
        let first = key.as_bytes().first();
        let Some(offset) = fields.iter().position(|f| {
            f.name.len() == key.len() && f.name.as_bytes().first() == first && f.name == key
        }) else {
            let known: Vec<&str> =
                fields.iter().map(|f| f.name).chain(self.special.iter().copied()).collect();
            return unknown_entry(validator, format!("{}.{key}", self.section), key, &known, map);
        };
        let index = self.range.start + offset;
        let value: Loose<'de> = map.next_value()?;
        self.named |= 1 << index;
        validator.doc.facts[index] =
            validator.scalar(|| FIELDS[index].path.to_owned(), FIELDS[index].ty, &value);
        Ok(())
    }

    fn end(self, validator: &mut Validator) {
        for (index, field) in FIELDS[self.range.clone()].iter().enumerate() {
            if field.required && self.named & (1 << (self.range.start + index)) == 0 {
                validator.required(field.path);
            }
        }
    }
}

/// `diagnoses[]`.
pub(super) struct Diagnoses;

impl Elements for Diagnoses {
    fn element<'de, A: SeqAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        index: usize,
        seq: &mut A,
    ) -> Result<bool, A::Error> {
        let handler = DiagnosisEntry { index, code: None, confirmed: None, named: [false; 2] };
        match seq.next_element_seed(object(&mut *validator, handler))? {
            None => Ok(false),
            Some(Shape::Handled) => Ok(true),
            Some(Shape::Other(value)) => {
                validator.error(
                    format!("diagnoses[{index}]"),
                    format!("expected an object, found {value}"),
                );
                Ok(true)
            }
        }
    }

    fn end(self, _validator: &mut Validator, _count: usize) {}
}

/// One `diagnoses[]` entry.
pub(super) struct DiagnosisEntry {
    index: usize,
    code: Option<DiagnosisCode>,
    confirmed: Option<bool>,
    named: [bool; 2],
}

impl Entries for DiagnosisEntry {
    fn entry<'de, A: MapAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        // The path is formatted only when there is an error to report.
        let index = self.index;
        let path = || format!("diagnoses[{index}]");
        match key {
            "code" => {
                self.named[0] = true;
                match map.next_value::<Loose<'de>>()? {
                    Loose::Str(text) => match DiagnosisCode::lookup(&text) {
                        Some(code) => self.code = Some(code),
                        None => validator.error(
                            format!("{}.code", path()),
                            format!(
                                "{} is not one of {}",
                                Loose::Str(text),
                                DIAGNOSIS_CODES.join(", ")
                            ),
                        ),
                    },
                    other => validator.error(
                        format!("{}.code", path()),
                        format!("expected a diagnosis code, found {other}"),
                    ),
                }
            }
            "confirmed_by_imaging" => {
                self.named[1] = true;
                match map.next_value::<Loose<'de>>()? {
                    Loose::Bool(b) => self.confirmed = Some(b),
                    other => validator.error(
                        format!("{}.confirmed_by_imaging", path()),
                        format!("expected true or false, found {other}"),
                    ),
                }
            }
            other => {
                let known = &["code", "confirmed_by_imaging"];
                return unknown_entry(validator, format!("{}.{other}", path()), other, known, map);
            }
        }
        Ok(())
    }

    fn end(self, validator: &mut Validator) {
        for (named, key) in self.named.iter().zip(["code", "confirmed_by_imaging"]) {
            if !named {
                validator.error(format!("diagnoses[{}].{key}", self.index), "required");
            }
        }
        if let (Some(code), Some(confirmed_by_imaging)) = (self.code, self.confirmed) {
            validator.doc.diagnoses.push(Diagnosis { code, confirmed_by_imaging });
        }
    }
}

/// A questionnaire's item list: the ODI (items may be null: unanswered) or STarT Back.
pub(super) struct Items {
    path: &'static str,
    /// The answers so far (the ODI's ten, or STarT Back's nine).
    answers: [Option<u8>; ODI_ITEMS],
    expected: usize,
    nullable: bool,
    valid: bool,
}

impl Items {
    fn odi() -> Self {
        Self {
            path: "questionnaires.odi",
            answers: [None; ODI_ITEMS],
            expected: ODI_ITEMS,
            nullable: true,
            valid: true,
        }
    }

    fn start_back() -> Self {
        let path = "questionnaires.start_back";
        Self {
            path,
            answers: [None; ODI_ITEMS],
            expected: START_BACK_ITEMS,
            nullable: false,
            valid: true,
        }
    }

    fn max(&self, index: usize) -> u8 {
        match (self.nullable, index + 1 == START_BACK_ITEMS) {
            (true, _) => ODI_ITEM_MAX,
            // Items 1–8 are agree (1) / disagree (0); item 9 is a five-point scale (0–4).
            (false, true) => 4,
            (false, false) => 1,
        }
    }
}

impl Elements for Items {
    fn element<'de, A: SeqAccess<'de>>(
        &mut self,
        validator: &mut Validator,
        index: usize,
        seq: &mut A,
    ) -> Result<bool, A::Error> {
        let Some(value) = seq.next_element::<Loose<'de>>()? else { return Ok(false) };
        if index >= self.expected {
            return Ok(true);
        }
        if self.nullable && matches!(value, Loose::Null) {
            return Ok(true);
        }
        let ty = ValueType::Integer { min: 0, max: i64::from(self.max(index)) };
        let path = self.path;
        match validator.scalar(|| format!("{path}[{index}]"), ty, &value) {
            Some(Scalar::Int(score)) => self.answers[index] = u8::try_from(score).ok(),
            _ => self.valid = false,
        }
        Ok(true)
    }

    fn end(self, validator: &mut Validator, count: usize) {
        if count != self.expected {
            validator.error(self.path, format!("expected {} items, found {count}", self.expected));
            return;
        }
        if !self.valid {
            return;
        }
        if self.nullable {
            validator.doc.odi = Some(self.answers);
        } else {
            let mut items = [0; START_BACK_ITEMS];
            items
                .iter_mut()
                .zip(&self.answers)
                .for_each(|(slot, answer)| *slot = answer.unwrap_or(0));
            validator.doc.start_back = Some(items);
        }
    }
}
