//! Cohort rows: per group (a pathway, a therapy received, a diagnosis category, a clinician),
//! how many episodes, responders, non-responders and missing; the rate among those with a known
//! outcome with its Wilson 95% interval; the follow-up completeness; and the bounds the missing
//! leave (every missing one a non-responder, every missing one a responder).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::classify::Outcome;
use crate::wilson::{Interval, Z_95, wilson};

/// Outcomes gathered by dimension (`pathway`, `therapy`, `diagnosis`, …) and group.
#[derive(Debug, Clone, Default)]
pub struct Cohort {
    groups: BTreeMap<(String, String), Counts>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    responders: u64,
    non_responders: u64,
    missing: u64,
}

/// One group's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortRow {
    /// What the groups are by (`pathway`, `therapy`, `diagnosis`).
    pub dimension: String,
    /// The group (`decompression_then_pt`, …).
    pub group: String,
    /// Episodes.
    pub n: u64,
    /// Responders.
    pub responders: u64,
    /// Non-responders.
    pub non_responders: u64,
    /// Episodes whose outcome is unknown (a baseline or follow-up not answered).
    pub missing: u64,
    /// Responders among the episodes with a known outcome; `None` when none is known.
    pub rate: Option<f64>,
    /// The rate's Wilson 95% interval.
    pub interval: Option<Interval>,
    /// The share of episodes with a known outcome.
    pub completeness: f64,
    /// The rate if every missing episode were a non-responder (responders / n).
    pub rate_missing_as_non_responders: f64,
    /// The rate if every missing episode were a responder ((responders + missing) / n).
    pub rate_missing_as_responders: f64,
}

impl Cohort {
    /// Counts one episode's outcome in a group.
    pub fn add(&mut self, dimension: &str, group: &str, outcome: Outcome) {
        let counts = self.groups.entry((dimension.to_owned(), group.to_owned())).or_default();
        match outcome {
            Outcome::Responder => counts.responders += 1,
            Outcome::NonResponder => counts.non_responders += 1,
            Outcome::Missing => counts.missing += 1,
        }
    }

    /// The rows, by dimension then group.
    pub fn rows(&self) -> Vec<CohortRow> {
        self.groups
            .iter()
            .map(|((dimension, group), counts)| {
                let known = counts.responders + counts.non_responders;
                let n = known + counts.missing;
                let share = |part: u64| ratio(part, n).unwrap_or_default();
                CohortRow {
                    dimension: dimension.clone(),
                    group: group.clone(),
                    n,
                    responders: counts.responders,
                    non_responders: counts.non_responders,
                    missing: counts.missing,
                    rate: ratio(counts.responders, known),
                    interval: wilson(counts.responders, known, Z_95),
                    completeness: share(known),
                    rate_missing_as_non_responders: share(counts.responders),
                    rate_missing_as_responders: share(counts.responders + counts.missing),
                }
            })
            .collect()
    }
}

#[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Outcome::*;

    #[test]
    fn rates_intervals_completeness_and_bounds_by_hand() {
        let mut cohort = Cohort::default();
        // Decompression then PT: 4 responders, 4 non-responders, 2 missing.
        for outcome in [Responder, Responder, Responder, Responder, NonResponder, NonResponder]
            .into_iter()
            .chain([NonResponder, NonResponder, Missing, Missing])
        {
            cohort.add("pathway", "decompression_then_pt", outcome);
        }
        // Physical therapy: every outcome missing.
        cohort.add("pathway", "physical_therapy", Missing);
        cohort.add("therapy", "decompression", Responder);
        let rows = cohort.rows();
        assert_eq!(rows.len(), 3);
        let sequence = &rows[0];
        assert_eq!(
            (sequence.n, sequence.responders, sequence.non_responders, sequence.missing),
            (10, 4, 4, 2)
        );
        assert_eq!(sequence.rate, Some(0.5), "4 of the 8 known");
        assert_eq!(sequence.interval, wilson(4, 8, Z_95));
        let interval = sequence.interval.unwrap();
        assert!(
            (interval.low - 0.2152).abs() < 5e-5 && (interval.high - 0.7848).abs() < 5e-5,
            "{interval:?}"
        );
        assert!((sequence.completeness - 0.8).abs() < 1e-12);
        assert!((sequence.rate_missing_as_non_responders - 0.4).abs() < 1e-12, "4 of 10");
        assert!((sequence.rate_missing_as_responders - 0.6).abs() < 1e-12, "6 of 10");
        let none_known = &rows[1];
        assert_eq!(
            (none_known.group.as_str(), none_known.rate, none_known.interval),
            ("physical_therapy", None, None)
        );
        assert_eq!((none_known.completeness, none_known.rate_missing_as_responders), (0.0, 1.0));
        assert_eq!((rows[2].dimension.as_str(), rows[2].rate), ("therapy", Some(1.0)));
    }
}
