//! The care plan: therapy courses, the plans that sequence them, review visits, the modifiers
//! that mark a phase, and the follow-up schedule.

use std::collections::BTreeSet;

use super::condition::Stage;
use super::{At, Compiler};
use crate::model::{
    CarePlan, FollowUpPoint, FollowUps, Modifier, PlanTemplate, Review, ReviewAnchor, TherapyCourse,
};
use crate::raw;

/// Phase keys the output already uses, which a modifier flag may not take.
const RESERVED_PHASE_KEYS: &[&str] = &["therapy", "sessions", "weeks", "dates"];

impl Compiler<'_> {
    pub(super) fn care_plan(&mut self, file: &raw::CarePlanFile) -> CarePlan {
        let mut therapies = Vec::new();
        for therapy in &file.therapy {
            let at = self.at("care_plan.toml", &therapy.id);
            let meta = self.meta(&at, &therapy.meta());
            self.check_course(&at, therapy);
            if self.therapies.iter().filter(|t| **t == therapy.therapy).count() > 1 {
                self.error(&at, format!("therapy {} is defined twice", therapy.therapy));
            }
            therapies.push(TherapyCourse {
                meta,
                therapy: therapy.therapy.clone(),
                name: therapy.name.clone(),
                sessions: therapy.sessions,
                weeks: therapy.weeks,
                weekly: therapy.weekly.clone(),
                allowed_sessions: (therapy.allowed_sessions[0], therapy.allowed_sessions[1]),
                allowed_weeks: (therapy.allowed_weeks[0], therapy.allowed_weeks[1]),
                contraindication_keys: ["absolute", "relative"]
                    .map(|class| format!("contraindications ({class} to {})", therapy.therapy)),
            });
        }
        let plans = self.plans(&file.plan);
        let reviews = self.reviews(&file.review, &therapies);
        for (plan, raw) in plans.iter().zip(&file.plan) {
            let index = self.plans.iter().position(|p| *p == plan.meta.id);
            let reviewed = reviews.iter().any(|review| {
                matches!(review.anchor, ReviewAnchor::Offset { plan, .. } if Some(plan) == index)
            });
            if plan.phases.is_empty() && !reviewed {
                let at = self.at("care_plan.toml", &raw.id);
                self.error(&at, "a plan needs at least one phase or a review");
            }
        }
        let mut modifiers = Vec::new();
        for modifier in &file.modifier {
            let at = self.at("care_plan.toml", &modifier.id);
            let meta = self.meta(&at, &modifier.meta());
            let therapy = self.therapy(&at, &modifier.therapy);
            if RESERVED_PHASE_KEYS.contains(&modifier.flag.as_str())
                || !modifier.flag.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            {
                self.error(&at, format!("{} cannot be a phase flag", modifier.flag));
            }
            let when = self.condition(&at, &modifier.when, Stage::Full);
            modifiers.push(Modifier { meta, therapy, flag: modifier.flag.clone(), when });
        }
        let follow_ups = self.follow_ups(&file.follow_up);
        CarePlan { therapies, plans, reviews, modifiers, follow_ups }
    }

    fn plans(&mut self, raw_plans: &[raw::RawPlan]) -> Vec<PlanTemplate> {
        let mut plans: Vec<PlanTemplate> = Vec::new();
        for plan in raw_plans {
            let at = self.at("care_plan.toml", &plan.id);
            let meta = self.meta(&at, &plan.meta());
            let pathway = plan.pathway.as_ref().and_then(|code| self.pathway_code(&at, code));
            if pathway.is_some() && plans.iter().any(|p| p.pathway == pathway) {
                let code = plan.pathway.as_deref().unwrap_or_default();
                self.error(&at, format!("pathway {code} has two plans"));
            }
            let phases = plan.phases.iter().map(|t| self.therapy(&at, t)).collect();
            self.plans.push(meta.id.clone());
            plans.push(PlanTemplate { meta, pathway, phases });
        }
        plans
    }

    fn reviews(
        &mut self,
        raw_reviews: &[raw::RawReview],
        therapies: &[TherapyCourse],
    ) -> Vec<Review> {
        let mut reviews = Vec::new();
        for review in raw_reviews {
            let at = self.at("care_plan.toml", &review.id);
            let meta = self.meta(&at, &review.meta());
            if review.label.trim().is_empty() {
                self.error(&at, "label is empty");
            }
            let Some(anchor) = self.review_anchor(&at, review, therapies) else { continue };
            reviews.push(Review { meta, label: review.label.trim().to_owned(), anchor });
        }
        reviews
    }

    /// A review falls on a session of a therapy (`therapy` with `after_session` or `midpoint`)
    /// or at an offset from a plan's start (`plan` with `days`/`weeks`), never both.
    fn review_anchor(
        &mut self,
        at: &At,
        review: &raw::RawReview,
        therapies: &[TherapyCourse],
    ) -> Option<ReviewAnchor> {
        match (&review.therapy, &review.plan) {
            (Some(therapy), None) => {
                let index = self.therapy(at, therapy);
                let session = match (review.after_session, review.midpoint) {
                    (Some(session), false) => Some(session),
                    (None, true) => None,
                    _ => {
                        self.error(
                            at,
                            "a session review needs after_session or midpoint = true, not both",
                        );
                        return None;
                    }
                };
                let fewest = therapies.get(index).map_or(0, |t| t.allowed_sessions.0);
                if session.is_some_and(|s| s == 0 || s > fewest) || review.days + review.weeks > 0 {
                    self.error(
                        at,
                        format!("after_session must be in 1..={fewest} (every course of {therapy} has it), without days or weeks"),
                    );
                }
                Some(ReviewAnchor::Session { therapy: index, session })
            }
            (None, Some(plan)) => {
                let Some(index) = self.plans.iter().position(|p| p == plan) else {
                    self.error(at, format!("unknown plan {plan}"));
                    return None;
                };
                if review.after_session.is_some()
                    || review.midpoint
                    || review.days + review.weeks == 0
                {
                    self.error(
                        at,
                        "a plan review needs days or weeks after the start, and no session",
                    );
                }
                let offset = iso_duration(review.days, review.weeks, 0);
                Some(ReviewAnchor::Offset {
                    plan: index,
                    days: review.days,
                    weeks: review.weeks,
                    offset,
                })
            }
            _ => {
                self.error(at, "a review belongs to a therapy or to a plan: give exactly one");
                None
            }
        }
    }

    fn follow_ups(&mut self, follow_up: &raw::RawFollowUps) -> FollowUps {
        let at = self.at("care_plan.toml", &follow_up.id);
        let meta = self.meta(&at, &follow_up.meta());
        let mut labels = BTreeSet::new();
        let points = follow_up
            .point
            .iter()
            .map(|point| {
                if !labels.insert(point.label.clone()) {
                    self.error(&at, format!("follow-up {} is listed twice", point.label));
                }
                if point.days > 366 || point.weeks > 104 || point.months > 36 {
                    self.error(
                        &at,
                        format!("follow-up {} is more than three years away", point.label),
                    );
                }
                let window = &point.window;
                let before = window.before_days + 7 * window.before_weeks;
                let after = window.after_days + 7 * window.after_weeks;
                if before > MAX_WINDOW_DAYS || after > MAX_WINDOW_DAYS {
                    self.error(
                        &at,
                        format!(
                            "follow-up {}: a window reaches more than {MAX_WINDOW_DAYS} days from its date",
                            point.label
                        ),
                    );
                }
                FollowUpPoint {
                    label: point.label.clone(),
                    days: point.days,
                    weeks: point.weeks,
                    months: point.months,
                    offset: iso_duration(point.days, point.weeks, point.months),
                    window_before_days: before,
                    window_after_days: after,
                }
            })
            .collect::<Vec<_>>();
        // A questionnaire must belong to one point: each window closes before the next opens,
        // however long the months between them (28 to 31 days).
        for pair in points.windows(2) {
            let [early, late] = pair else { continue };
            let latest_close = nominal_days(early, 31) + early.window_after_days;
            let earliest_open = nominal_days(late, 28).saturating_sub(late.window_before_days);
            if latest_close >= earliest_open || nominal_days(early, 28) >= nominal_days(late, 28) {
                self.error(
                    &at,
                    format!(
                        "follow-ups {} and {} must come in order, the window of {} closing before that of {} opens",
                        early.label, late.label, early.label, late.label
                    ),
                );
            }
        }
        FollowUps { meta, points }
    }

    fn check_course(&mut self, at: &At, therapy: &raw::RawTherapy) {
        let [min_sessions, max_sessions] = therapy.allowed_sessions;
        let [min_weeks, max_weeks] = therapy.allowed_weeks;
        if min_sessions > max_sessions || min_weeks > max_weeks || min_weeks == 0 {
            self.error(
                at,
                "an allowed range must be [low, high] with low ≤ high and at least a week",
            );
        }
        if !(min_sessions..=max_sessions).contains(&therapy.sessions) {
            self.error(
                at,
                format!(
                    "{} sessions is outside the allowed {min_sessions}..={max_sessions}",
                    therapy.sessions
                ),
            );
        }
        if !(min_weeks..=max_weeks).contains(&therapy.weeks) {
            self.error(
                at,
                format!("{} weeks is outside the allowed {min_weeks}..={max_weeks}", therapy.weeks),
            );
        }
        if therapy.weekly.len() != usize::try_from(therapy.weeks).unwrap_or(usize::MAX) {
            self.error(
                at,
                format!("weekly lists {} weeks, not {}", therapy.weekly.len(), therapy.weeks),
            );
        }
        if therapy.weekly.iter().sum::<u32>() != therapy.sessions {
            self.error(
                at,
                format!(
                    "weekly adds up to {}, not {} sessions",
                    therapy.weekly.iter().sum::<u32>(),
                    therapy.sessions
                ),
            );
        }
        if therapy.weekly.iter().any(|n| *n > 5) {
            self.error(at, "at most one session a weekday: no week can hold more than 5");
        }
    }
}

/// The ISO 8601 duration of an offset (`P0D`, `P6W`, `P3M`, `P1M1W2D`).
pub(crate) fn iso_duration(days: u32, weeks: u32, months: u32) -> String {
    let mut text = String::from("P");
    for (amount, unit) in [(months, 'M'), (weeks, 'W'), (days, 'D')] {
        if amount > 0 {
            text.push_str(&amount.to_string());
            text.push(unit);
        }
    }
    if text.len() == 1 {
        text.push_str("0D");
    }
    text
}

/// The longest a follow-up's window may reach before or after its date (26 weeks).
const MAX_WINDOW_DAYS: u32 = 182;

/// A follow-up's days after the start, counting each month as `month_days`.
fn nominal_days(point: &FollowUpPoint, month_days: u32) -> u32 {
    point.days + 7 * point.weeks + month_days * point.months
}

#[cfg(test)]
mod tests {
    #[test]
    fn follow_up_offsets_are_iso_durations() {
        assert_eq!(super::iso_duration(0, 0, 0), "P0D");
        assert_eq!(super::iso_duration(0, 6, 0), "P6W");
        assert_eq!(super::iso_duration(0, 0, 3), "P3M");
        assert_eq!(super::iso_duration(2, 1, 1), "P1M1W2D");
        let kb = crate::load_embedded().unwrap();
        let offsets: Vec<&str> =
            kb.care_plan.follow_ups.points.iter().map(|p| p.offset.as_str()).collect();
        assert_eq!(offsets, ["P0D", "P6W", "P3M", "P6M"]);
        let windows: Vec<(u32, u32)> = kb
            .care_plan
            .follow_ups
            .points
            .iter()
            .map(|p| (p.window_before_days, p.window_after_days))
            .collect();
        // Baseline in the four weeks before the first session; then ± 1, 2 and 4 weeks.
        assert_eq!(windows, [(28, 0), (7, 7), (14, 14), (28, 28)]);
    }
}
