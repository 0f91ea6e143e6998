//! The outcome definitions (`outcomes.toml`): each a cited, versioned rule naming what it
//! measures, where, and the least improvement that makes a responder.

use std::collections::BTreeSet;

use super::{At, Compiler};
use crate::model::{CarePlan, OutcomeDefinition, OutcomeMeasure, OutcomeReference, Outcomes};
use crate::raw;

impl Compiler<'_> {
    pub(super) fn outcomes(&mut self, file: &raw::OutcomesFile, care_plan: &CarePlan) -> Outcomes {
        let labels: Vec<&str> =
            care_plan.follow_ups.points.iter().map(|point| point.label.as_str()).collect();
        let definitions: Vec<OutcomeDefinition> = file
            .definition
            .iter()
            .map(|definition| {
                let at = self.at("outcomes.toml", &definition.id);
                let meta = self.meta(&at, &definition.meta());
                let measure = match definition.measure.as_str() {
                    "odi" => OutcomeMeasure::Odi,
                    "pain" => OutcomeMeasure::Pain,
                    other => {
                        self.error(&at, format!("unknown measure {other} (odi or pain)"));
                        OutcomeMeasure::Odi
                    }
                };
                if definition.version == 0 {
                    self.error(&at, "version starts at 1");
                }
                self.check_points(&at, &definition.at, &labels);
                self.check_thresholds(&at, definition, measure);
                OutcomeDefinition {
                    meta,
                    version: definition.version,
                    measure,
                    at: definition.at.clone(),
                    relative_percent: definition.relative_percent,
                    absolute_points: definition.absolute_points,
                    no_escalation: definition.no_escalation,
                }
            })
            .collect();
        let default = definitions.iter().position(|d| d.meta.id == file.default);
        if default.is_none() {
            let message = format!("the default outcome {} is not defined here", file.default);
            self.error(&At::file("outcomes.toml"), message);
        }
        let references = file.reference.iter().map(|reference| self.reference(reference)).collect();
        Outcomes { default: default.unwrap_or_default(), definitions, references }
    }

    fn reference(&mut self, reference: &raw::RawReference) -> OutcomeReference {
        let at = self.at("outcomes.toml", &reference.id);
        let meta = self.meta(&at, &reference.meta());
        if !self.therapies.contains(&reference.therapy) {
            let known = self.therapies.join(", ");
            self.error(&at, format!("unknown therapy {} ({known})", reference.therapy));
        }
        if !(0.0..=1.0).contains(&reference.rate) {
            self.error(&at, "rate is a share, from 0 to 1");
        }
        if reference.n == Some(0) {
            self.error(&at, "n must be at least 1");
        }
        OutcomeReference {
            meta,
            therapy: reference.therapy.clone(),
            rate: reference.rate,
            n: reference.n,
            time: reference.time.clone(),
            provenance: reference.provenance.clone(),
        }
    }

    /// The follow-ups a definition is measured at: at least one, each a point of the schedule
    /// after the baseline (the first), once, in schedule order.
    fn check_points(&mut self, at: &At, points: &[String], labels: &[&str]) {
        let mut seen = BTreeSet::new();
        let mut positions = Vec::new();
        if points.is_empty() {
            self.error(at, "at names no follow-up");
        }
        for point in points {
            match labels.iter().position(|label| label == point) {
                Some(0) => self.error(at, format!("{point} is the baseline, not a follow-up")),
                Some(position) => positions.push(position),
                None => self.error(
                    at,
                    format!("unknown follow-up {point} (care_plan.toml has {})", labels.join(", ")),
                ),
            }
            if !seen.insert(point) {
                self.error(at, format!("follow-up {point} is listed twice"));
            }
        }
        if positions.windows(2).any(|pair| pair[0] > pair[1]) {
            self.error(at, "at must list the follow-ups in schedule order");
        }
    }

    /// At least one threshold, each within the measure's range.
    fn check_thresholds(&mut self, at: &At, definition: &raw::RawOutcome, measure: OutcomeMeasure) {
        let most = match measure {
            OutcomeMeasure::Odi => 100.0,
            OutcomeMeasure::Pain => 10.0,
        };
        match (definition.relative_percent, definition.absolute_points) {
            (None, None) => self.error(at, "give relative_percent, absolute_points or both"),
            (relative, absolute) => {
                if relative.is_some_and(|r| !(r > 0.0 && r <= 100.0)) {
                    self.error(at, "relative_percent must be more than 0 and at most 100");
                }
                if absolute.is_some_and(|a| !(a > 0.0 && a <= most)) {
                    self.error(
                        at,
                        format!("absolute_points must be more than 0 and at most {most}"),
                    );
                }
            }
        }
    }
}
