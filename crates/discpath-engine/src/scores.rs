//! Scoring the instruments with the knowledge base's parameters.

use discpath_kb::{Odi, StartBack};
use discpath_model::vocabulary::{
    ODI_BANDS, ODI_ITEM_MAX, ODI_ITEMS, START_BACK_ITEMS, START_BACK_RISK,
};

use crate::recommendation::{OdiScore, StartBackScore};

/// The result of scoring the ODI.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OdiOutcome {
    /// Not given at all.
    Absent,
    /// Given, but fewer items answered than scoring needs.
    TooFewAnswers(u8),
    /// Scored; the band as its index in [`ODI_BANDS`].
    Scored { percent: f64, band: u8, answered: u8 },
}

/// Scores the ODI: percent = sum of answered items / (5 × answered) × 100, computed in that
/// order. The band is decided exactly, in integers (`sum × 100 ≤ bound × 5 × answered`), so a
/// score of exactly 20% is `minimal` even though 10/50 × 100 is 20.000000000000004 in floating
/// point.
pub(crate) fn odi(params: &Odi, items: Option<&[Option<u8>; ODI_ITEMS]>) -> OdiOutcome {
    let Some(items) = items else { return OdiOutcome::Absent };
    let answered: Vec<u8> = items.iter().flatten().copied().collect();
    let n_answered = u8::try_from(answered.len()).unwrap_or(u8::MAX);
    if n_answered < params.min_answered || n_answered == 0 {
        return OdiOutcome::TooFewAnswers(n_answered);
    }
    let sum: u32 = answered.iter().map(|item| u32::from(*item)).sum();
    let max = u32::from(ODI_ITEM_MAX) * u32::from(n_answered);
    let percent = f64::from(sum) / f64::from(max) * 100.0;
    let band = params
        .bands
        .iter()
        .find(|(up_to, _)| f64::from(sum * 100) <= up_to * f64::from(max))
        .or(params.bands.last())
        .map_or(0, |(_, band)| *band);
    OdiOutcome::Scored { percent, band, answered: n_answered }
}

impl OdiOutcome {
    pub(crate) fn score(&self) -> Option<OdiScore<'static>> {
        match *self {
            Self::Scored { percent, band, answered } => Some(OdiScore {
                percent,
                band: ODI_BANDS.get(usize::from(band)).copied().unwrap_or_default(),
                answered,
            }),
            Self::Absent | Self::TooFewAnswers(_) => None,
        }
    }
}

/// Scores STarT Back: item 9 counts 1 from `item9_counts_from` up; total = items 1–8 + item 9;
/// psychosocial = the configured items; risk low when the total is at most the low threshold,
/// else high when the psychosocial score reaches the high threshold, else medium.
pub(crate) fn start_back(
    params: &StartBack,
    items: &[u8; START_BACK_ITEMS],
) -> (StartBackScore<'static>, u8) {
    let counted: Vec<u8> = items
        .iter()
        .enumerate()
        .map(|(index, answer)| {
            if index + 1 == START_BACK_ITEMS {
                u8::from(*answer >= params.item9_counts_from)
            } else {
                *answer
            }
        })
        .collect();
    let total: u8 = counted.iter().sum();
    let psychosocial: u8 = params
        .psychosocial_items
        .iter()
        .filter_map(|item| counted.get(usize::from(*item).wrapping_sub(1)))
        .sum();
    let risk: u8 = if total <= params.low_risk_max_total {
        0
    } else if psychosocial >= params.high_risk_min_psychosocial {
        2
    } else {
        1
    };
    let label = START_BACK_RISK.get(usize::from(risk)).copied().unwrap_or_default();
    (StartBackScore { total, psychosocial, risk: label }, risk)
}
