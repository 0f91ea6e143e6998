//! The care plan: the phases of the plan the deciding rule (or the pathway) gives, their session
//! dates, the review visits and the follow-up points.

use discpath_kb::{ReviewAnchor, TherapyCourse};
use discpath_model::Pathway;

use crate::assess::Rationale;
use crate::facts::Facts;
use crate::inputs::Inputs;
use crate::recommendation::{CarePlanOutput, FollowUp, Phase, ReviewVisit};
use crate::schedule::{self, Calendar};

/// The plan `template` (an index into the knowledge base's plans), or else the pathway's own
/// plan; `None` when there is neither.
pub(crate) fn care_plan<'kb>(
    facts: &Facts<'kb, '_>,
    pathway: Pathway,
    template: Option<usize>,
    rationale: &mut Rationale<'kb>,
) -> Option<CarePlanOutput<'kb>> {
    let rules = &facts.kb.care_plan;
    let (index, template) = match template {
        Some(index) => (index, rules.plans.get(index)?),
        None => rules.plans.iter().enumerate().find(|(_, plan)| plan.pathway == Some(pathway))?,
    };
    rationale.entry(&template.meta, Inputs::default(), None);
    let calendar = Calendar::new(facts.doc.closed_dates());
    let start = facts.doc.start_date();
    let mut phase_start = start.and_then(|start| calendar.open_on_or_after(start));
    let mut phases = Vec::with_capacity(template.phases.len());
    let mut reviews = Vec::new();
    for therapy_index in &template.phases {
        let Some(course) = rules.therapies.get(*therapy_index) else { continue };
        rationale.entry(&course.meta, Inputs::default(), None);
        let flags = phase_flags(facts, *therapy_index, rationale);
        let dates = match phase_start {
            Some(first) => {
                let scheduled = calendar.phase_dates(first, &course.weekly);
                phase_start = scheduled.as_ref().map(|(_, next)| *next);
                scheduled.map(|(dates, _)| dates)
            }
            None => None,
        };
        session_reviews(facts, *therapy_index, course, dates.as_deref(), &mut reviews, rationale);
        phases.push(Phase {
            therapy: &course.therapy,
            sessions: course.sessions,
            weeks: course.weeks,
            flags,
            dates,
        });
    }
    offset_reviews(facts, index, &calendar, &mut reviews, rationale);
    let follow = &rules.follow_ups;
    rationale.entry(&follow.meta, Inputs::default(), None);
    let follow_ups = follow
        .points
        .iter()
        .map(|point| {
            let date = start
                .and_then(|start| {
                    schedule::offset_date(start, point.days, point.weeks, point.months)
                })
                .and_then(|date| calendar.open_on_or_after(date));
            let window = date.and_then(|date| {
                let opens = schedule::offset_date_back(date, point.window_before_days)?;
                Some((opens, schedule::offset_date(date, point.window_after_days, 0, 0)?))
            });
            FollowUp { label: &point.label, offset: &point.offset, date, window }
        })
        .collect();
    Some(CarePlanOutput { phases, reviews, follow_ups })
}

/// The reviews that fall on a session of this therapy's phase.
fn session_reviews<'kb>(
    facts: &Facts<'kb, '_>,
    therapy: usize,
    course: &'kb TherapyCourse,
    dates: Option<&[jiff::civil::Date]>,
    reviews: &mut Vec<ReviewVisit<'kb>>,
    rationale: &mut Rationale<'kb>,
) {
    for review in &facts.kb.care_plan.reviews {
        let ReviewAnchor::Session { therapy: reviewed, session } = review.anchor else { continue };
        if reviewed != therapy {
            continue;
        }
        let session = session.unwrap_or(course.sessions.div_ceil(2));
        if session == 0 || session > course.sessions {
            continue;
        }
        rationale.entry(&review.meta, Inputs::default(), None);
        let date = dates.and_then(|dates| dates.get(session as usize - 1)).copied();
        reviews.push(ReviewVisit {
            id: &review.meta.id,
            label: &review.label,
            session: Some((&course.therapy, session)),
            offset: None,
            date,
        });
    }
}

/// The reviews at an offset from the start of this plan.
fn offset_reviews<'kb>(
    facts: &Facts<'kb, '_>,
    plan: usize,
    calendar: &Calendar<'_>,
    reviews: &mut Vec<ReviewVisit<'kb>>,
    rationale: &mut Rationale<'kb>,
) {
    for review in &facts.kb.care_plan.reviews {
        let ReviewAnchor::Offset { plan: reviewed, days, weeks, ref offset } = review.anchor else {
            continue;
        };
        if reviewed != plan {
            continue;
        }
        rationale.entry(&review.meta, Inputs::default(), None);
        let date = facts
            .doc
            .start_date()
            .and_then(|start| schedule::offset_date(start, days, weeks, 0))
            .and_then(|date| calendar.open_on_or_after(date));
        reviews.push(ReviewVisit {
            id: &review.meta.id,
            label: &review.label,
            session: None,
            offset: Some(offset),
            date,
        });
    }
}

/// The flags the modifiers set on a therapy's phase: every modifier of the therapy contributes
/// its flag, true when its condition holds.
fn phase_flags<'kb>(
    facts: &Facts<'kb, '_>,
    therapy: usize,
    rationale: &mut Rationale<'kb>,
) -> Vec<(&'kb str, bool)> {
    facts
        .kb
        .care_plan
        .modifiers
        .iter()
        .filter(|modifier| modifier.therapy == therapy)
        .map(|modifier| {
            let holds = facts.eval(&modifier.when).holds();
            if holds {
                rationale.rule(facts, &modifier.meta, &modifier.when);
            }
            (modifier.flag.as_str(), holds)
        })
        .collect()
}
