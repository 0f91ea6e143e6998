//! The scored instruments: scoring parameters, LOINC codes and notices.

use std::collections::BTreeSet;

use discpath_model::vocabulary::{ODI_BANDS, ODI_ITEMS, START_BACK_ITEMS};

use super::{At, Compiler};
use crate::model::{Instrument, Instruments, Odi, StartBack};
use crate::raw;
use crate::text::{EncodingCache, Text};

impl Compiler<'_> {
    pub(super) fn instruments(&mut self, file: &raw::InstrumentsFile) -> Instruments {
        let at = At::file("instruments.toml");
        let odi = &file.odi;
        let mut bands = Vec::new();
        let mut previous: Option<f64> = None;
        for band in &odi.band {
            let code =
                ODI_BANDS.iter().position(|b| *b == band.band).and_then(|i| u8::try_from(i).ok());
            match code {
                Some(code) => bands.push((band.up_to, code)),
                None => self.error(
                    &at,
                    format!("odi: unknown band {} (one of {})", band.band, ODI_BANDS.join(", ")),
                ),
            }
            if previous.is_some_and(|previous| band.up_to <= previous) {
                self.error(&at, "odi: bands must be in ascending order of up_to");
            }
            previous = Some(band.up_to);
        }
        if previous.is_none_or(|last| last < 100.0) {
            self.error(&at, "odi: the last band must reach 100");
        }
        if odi.min_answered == 0 || usize::from(odi.min_answered) > ODI_ITEMS {
            self.error(&at, format!("odi: min_answered must be in 1..={ODI_ITEMS}"));
        }
        let start_back = &file.start_back;
        if start_back.item_loinc.len() != START_BACK_ITEMS {
            self.error(&at, format!("start_back: item_loinc needs {START_BACK_ITEMS} codes"));
        }
        let mut items = BTreeSet::new();
        for item in &start_back.psychosocial_items {
            if *item == 0 || usize::from(*item) > START_BACK_ITEMS || !items.insert(*item) {
                self.error(
                    &at,
                    format!("start_back: psychosocial item {item} is out of range or repeated"),
                );
            }
        }
        if start_back.item9_counts_from > 4 {
            self.error(&at, "start_back: item9_counts_from must be in 0..=4");
        }
        Instruments {
            odi: Odi {
                instrument: self.instrument(
                    &at,
                    "odi",
                    &odi.name,
                    &odi.notice,
                    &odi.loinc,
                    &odi.sources,
                ),
                min_answered: odi.min_answered,
                bands,
            },
            start_back: StartBack {
                instrument: self.instrument(
                    &at,
                    "start_back",
                    &start_back.name,
                    &start_back.notice,
                    &start_back.loinc,
                    &start_back.sources,
                ),
                item_loinc: start_back.item_loinc.clone(),
                item9_counts_from: start_back.item9_counts_from,
                psychosocial_items: start_back.psychosocial_items.clone(),
                low_risk_max_total: start_back.low_risk_max_total,
                high_risk_min_psychosocial: start_back.high_risk_min_psychosocial,
            },
            fabq_work: self.plain_instrument(&at, "fabq_work", &file.fabq_work),
            pain_nrs: self.plain_instrument(&at, "pain_nrs", &file.pain_nrs),
        }
    }

    fn plain_instrument(
        &mut self,
        at: &At,
        id: &'static str,
        raw: &raw::RawInstrument,
    ) -> Instrument {
        self.instrument(at, id, &raw.name, &raw.notice, &raw.loinc, &raw.sources)
    }

    fn instrument(
        &mut self,
        at: &At,
        id: &'static str,
        name: &str,
        notice: &str,
        loinc: &std::collections::BTreeMap<String, String>,
        sources: &[String],
    ) -> Instrument {
        let at = At { rule: Some(name.to_owned()), ..at.clone() };
        Instrument {
            id,
            name: Text::new(name),
            notice: Text::new(notice),
            loinc: loinc.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            sources: self.source_labels(&at, sources).0,
            encoded: EncodingCache::default(),
        }
    }
}
