//! Whether an episode is a responder under an outcome definition of the knowledge base: its
//! measure at the definition's follow-ups against its baseline, and any escalation before.
//! Pure: the caller gathers the answered follow-ups (those answered within their windows) and
//! the day of the first escalation.

use discpath_kb::{OutcomeDefinition, OutcomeMeasure};
use jiff::civil::Date;
use serde_json::Value;

/// One time point's measures, each `None` when not answered.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Measures {
    /// The ODI percent.
    pub odi: Option<f64>,
    /// Back pain, 0–10.
    pub back_pain: Option<u8>,
    /// Leg pain, 0–10.
    pub leg_pain: Option<u8>,
}

impl Measures {
    /// The measures an assessment recorded, from its stored JSON: the ODI percent its
    /// recommendation scored, the back and leg pain of its document. Anything unreadable is
    /// `None`.
    pub fn of_assessment(document: &str, recommendation: &str) -> Self {
        let document: Value = serde_json::from_str(document).unwrap_or_default();
        let recommendation: Value = serde_json::from_str(recommendation).unwrap_or_default();
        Self::read(
            &recommendation["scores"]["odi"]["percent"],
            &document["symptoms"]["back_pain"],
            &document["symptoms"]["leg_pain"],
        )
    }

    /// The measures of a scored follow-up answer, from its stored scores (`odi.percent`,
    /// `pain.back`, `pain.leg`).
    pub fn of_scores(scores: &str) -> Self {
        let scores: Value = serde_json::from_str(scores).unwrap_or_default();
        Self::read(&scores["odi"]["percent"], &scores["pain"]["back"], &scores["pain"]["leg"])
    }

    fn read(odi: &Value, back: &Value, leg: &Value) -> Self {
        let pain = |value: &Value| value.as_u64().and_then(|n| u8::try_from(n).ok());
        Self { odi: odi.as_f64(), back_pain: pain(back), leg_pain: pain(leg) }
    }

    /// The value of what a definition measures: the ODI, or the worse of back and leg pain.
    pub fn of(&self, measure: OutcomeMeasure) -> Option<f64> {
        match measure {
            OutcomeMeasure::Odi => self.odi,
            OutcomeMeasure::Pain => self.back_pain.max(self.leg_pain).map(f64::from),
        }
    }
}

/// An answered follow-up: its label, the day it was answered, what it measured.
#[derive(Debug, Clone, PartialEq)]
pub struct AnsweredFollowUp<'a> {
    /// `6 weeks`, `3 months`, …
    pub label: &'a str,
    /// The day it was answered.
    pub answered_on: Date,
    /// Its measures.
    pub measures: Measures,
}

/// What the classification needs of one episode.
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeOutcome<'a> {
    /// The baseline measures.
    pub baseline: Measures,
    /// The follow-ups answered within their windows.
    pub follow_ups: &'a [AnsweredFollowUp<'a>],
    /// The plan's follow-up dates by label (when an unanswered one was due).
    pub schedule: &'a [(&'a str, Date)],
    /// The day of the first escalation, if any.
    pub escalated_on: Option<Date>,
}

/// An episode's outcome under a definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The definition is met.
    Responder,
    /// It is not (or an escalation came before it).
    NonResponder,
    /// The baseline or a follow-up it needs was not answered.
    Missing,
}

/// The outcome of one episode under `definition`.
pub fn classify(definition: &OutcomeDefinition, episode: &EpisodeOutcome<'_>) -> Outcome {
    let answered = |label: &str| episode.follow_ups.iter().find(|f| f.label == label);
    if definition.no_escalation {
        // An escalation on or before the day the last follow-up was answered — or, unanswered,
        // was due (unknown: any escalation counts).
        let last = definition.at.last().map(String::as_str).unwrap_or_default();
        let by = answered(last).map(|follow_up| follow_up.answered_on).or_else(|| {
            episode.schedule.iter().find(|(label, _)| *label == last).map(|(_, day)| *day)
        });
        if episode.escalated_on.is_some_and(|day| by.is_none_or(|by| day <= by)) {
            return Outcome::NonResponder;
        }
    }
    let Some(baseline) = episode.baseline.of(definition.measure) else {
        return Outcome::Missing;
    };
    let mut met = true;
    for label in &definition.at {
        let Some(value) = answered(label).and_then(|f| f.measures.of(definition.measure)) else {
            return Outcome::Missing;
        };
        met &= improved(definition, baseline, value);
    }
    if met { Outcome::Responder } else { Outcome::NonResponder }
}

/// Whether `value` is better than `baseline` by the definition's relative or absolute margin
/// (lower is better; compared without dividing, so that exactly 30% is 30%).
fn improved(definition: &OutcomeDefinition, baseline: f64, value: f64) -> bool {
    let change = baseline - value;
    let relative =
        definition.relative_percent.is_some_and(|percent| change * 100.0 >= percent * baseline);
    let absolute = definition.absolute_points.is_some_and(|points| change >= points);
    change > 0.0 && (relative || absolute)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Outcome::*;
    use jiff::civil::date;

    fn kb() -> discpath_kb::KnowledgeBase {
        discpath_kb::load_embedded().unwrap_or_else(|e| panic!("{e}"))
    }

    fn odi(percent: f64) -> Measures {
        Measures { odi: Some(percent), ..Measures::default() }
    }

    fn pain(back: u8, leg: u8) -> Measures {
        Measures { back_pain: Some(back), leg_pain: Some(leg), ..Measures::default() }
    }

    /// The outcome with a baseline and answers at `(label, day, measures)`.
    fn outcome(
        id: &str,
        baseline: Measures,
        answers: &[(&'static str, Date, Measures)],
        escalated_on: Option<Date>,
    ) -> Outcome {
        let kb = kb();
        let definition = kb.outcomes.get(id).unwrap_or_else(|| panic!("no {id}"));
        let follow_ups: Vec<AnsweredFollowUp<'_>> = answers
            .iter()
            .map(|(label, answered_on, measures)| AnsweredFollowUp {
                label,
                answered_on: *answered_on,
                measures: *measures,
            })
            .collect();
        let schedule = [("3 months", THREE_MONTHS), ("6 months", SIX_MONTHS)];
        let episode =
            EpisodeOutcome { baseline, follow_ups: &follow_ups, schedule: &schedule, escalated_on };
        classify(definition, &episode)
    }

    const SIX_MONTHS: Date = date(2027, 7, 5);
    const THREE_MONTHS: Date = date(2027, 4, 5);

    #[test]
    fn the_default_is_30_percent_of_the_odi_at_6_months_without_escalation() {
        let kb = kb();
        let default = kb.outcomes.default_definition().unwrap();
        assert_eq!(
            (default.meta.id.as_str(), default.version),
            ("outcome.sustained_improvement_6m", 1)
        );
        let id = "outcome.sustained_improvement_6m";
        let at_6 = |value| [("6 months", SIX_MONTHS, odi(value))];
        assert_eq!(outcome(id, odi(40.0), &at_6(28.0), None), Responder, "40 → 28 is exactly 30%");
        assert_eq!(outcome(id, odi(40.0), &at_6(29.0), None), NonResponder, "27.5%");
        assert_eq!(outcome(id, odi(35.0), &at_6(24.5), None), Responder, "35 → 24.5 is 30%");
        let before = Some(date(2027, 5, 1));
        assert_eq!(
            outcome(id, odi(40.0), &at_6(10.0), before),
            NonResponder,
            "an injection before"
        );
        assert_eq!(
            outcome(id, odi(40.0), &at_6(10.0), Some(SIX_MONTHS)),
            NonResponder,
            "the same day"
        );
        let after = Some(date(2027, 8, 1));
        assert_eq!(
            outcome(id, odi(40.0), &at_6(10.0), after),
            Responder,
            "escalated after 6 months"
        );
        assert_eq!(outcome(id, odi(40.0), &[], None), Missing, "6 months not answered");
        assert_eq!(
            outcome(id, odi(40.0), &[], before),
            NonResponder,
            "escalated, then not answered"
        );
        assert_eq!(outcome(id, odi(40.0), &[], after), Missing, "not answered, escalated later");
        assert_eq!(outcome(id, Measures::default(), &at_6(10.0), None), Missing, "no baseline");
        assert_eq!(outcome(id, odi(0.0), &at_6(0.0), None), NonResponder, "nothing to improve");
    }

    #[test]
    fn ten_odi_points_or_fifty_percent() {
        let at_6 = |value| [("6 months", SIX_MONTHS, odi(value))];
        let points = "outcome.odi_10_points_6m";
        assert_eq!(outcome(points, odi(40.0), &at_6(30.0), None), Responder);
        assert_eq!(outcome(points, odi(40.0), &at_6(31.0), None), NonResponder);
        // This one allows escalation: the ODI alone decides.
        assert_eq!(outcome(points, odi(40.0), &at_6(30.0), Some(date(2027, 5, 1))), Responder);
        let half = "outcome.odi_50_percent_6m";
        assert_eq!(outcome(half, odi(40.0), &at_6(20.0), None), Responder);
        assert_eq!(outcome(half, odi(40.0), &at_6(21.0), None), NonResponder);
    }

    #[test]
    fn pain_is_the_worse_of_back_and_leg_by_2_points_or_30_percent() {
        let id = "outcome.pain_2_points_or_30_percent_6m";
        let at_6 = |back, leg| [("6 months", SIX_MONTHS, pain(back, leg))];
        // Baseline: the leg's 7. Then the worse is 6: one point, 14%.
        assert_eq!(outcome(id, pain(5, 7), &at_6(6, 5), None), NonResponder);
        assert_eq!(outcome(id, pain(5, 7), &at_6(4, 5), None), Responder, "7 → 5: two points");
        assert_eq!(
            outcome(id, pain(9, 2), &at_6(7, 0), None),
            Responder,
            "9 → 7: 22% but 2 points"
        );
        assert_eq!(outcome(id, pain(3, 0), &at_6(2, 0), None), Responder, "3 → 2: 1 point but 33%");
        assert_eq!(outcome(id, pain(3, 0), &at_6(3, 0), None), NonResponder, "no change");
        let back_only = Measures { back_pain: Some(6), ..Measures::default() };
        assert_eq!(outcome(id, back_only, &at_6(4, 0), None), Responder, "one pain given");
    }

    #[test]
    fn the_minimal_important_change_at_both_3_and_6_months() {
        let id = "outcome.mcid_3_and_6_months";
        let both = |three, six| {
            [("3 months", THREE_MONTHS, odi(three)), ("6 months", SIX_MONTHS, odi(six))]
        };
        assert_eq!(outcome(id, odi(50.0), &both(40.0, 38.0), None), Responder, "10 and 12 points");
        assert_eq!(
            outcome(id, odi(50.0), &both(41.0, 30.0), None),
            NonResponder,
            "9 points, 18% at 3 months"
        );
        assert_eq!(outcome(id, odi(20.0), &both(14.0, 13.0), None), Responder, "30% and 35%");
        let only_six = [("6 months", SIX_MONTHS, odi(30.0))];
        assert_eq!(outcome(id, odi(50.0), &only_six, None), Missing, "3 months not answered");
        let between = Some(date(2027, 5, 1));
        assert_eq!(
            outcome(id, odi(50.0), &both(40.0, 30.0), between),
            NonResponder,
            "escalated between"
        );
    }
}
