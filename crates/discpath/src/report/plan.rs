//! The scores and the care plan: phases with their dates, reviews and follow-ups.

use discpath_engine::{Phase, Recommendation};
use discpath_kb::KnowledgeBase;
use discpath_model::vocabulary::{BACK_PAIN, LEG_PAIN, value_label};
use discpath_model::{Assessment, Scalar};
use jiff::civil::Date;

use super::text::{INDENT, heading, line, wrap};

pub(super) fn care_plan(out: &mut String, kb: &KnowledgeBase, rec: &Recommendation<'_>) {
    heading(out, "CARE PLAN");
    let Some(plan) = &rec.care_plan else {
        line(out, "  none: the pathway does not start a course of care");
        return;
    };
    if plan.phases.is_empty() {
        line(out, "  no course of sessions: advice, education and a review");
    }
    for (index, phase) in plan.phases.iter().enumerate() {
        phase_lines(out, kb, index + 1, phase);
    }
    for review in &plan.reviews {
        let when = match (review.date, review.session, review.offset) {
            (Some(date), _, _) => dated(date),
            (None, Some((therapy, session)), _) => {
                format!("after {} session {session}", therapy.replace('_', " "))
            }
            (None, None, Some(offset)) => format!("{offset} after the start"),
            (None, None, None) => String::new(),
        };
        wrap(out, &format!("Review: {} ({when})", review.label), "  ");
    }
    let follow_ups: Vec<String> = plan
        .follow_ups
        .iter()
        .map(|f| match f.date {
            Some(date) => format!("{} {}", f.label, dated(date)),
            None => format!("{} ({} after the start)", f.label, f.offset),
        })
        .collect();
    wrap(out, &format!("Follow-up questionnaires: {}", follow_ups.join(" · ")), "  ");
}

pub(super) fn scores(
    out: &mut String,
    kb: &KnowledgeBase,
    doc: &Assessment,
    rec: &Recommendation<'_>,
) {
    heading(out, "SCORES");
    let scores = &rec.scores;
    let instruments = &kb.instruments;
    let loinc = |codes: &[(String, String)], role: &str| {
        codes
            .iter()
            .find(|(r, _)| r == role)
            .map(|(_, code)| format!("  (LOINC {code})"))
            .unwrap_or_default()
    };
    match &scores.odi {
        Some(odi) => line(
            out,
            &format!(
                "  {:<28} {:.1}% ({}), {} of 10 sections answered{}",
                "Oswestry Disability Index",
                odi.percent,
                value_label(odi.band),
                odi.answered,
                loinc(&instruments.odi.instrument.loinc, "score")
            ),
        ),
        None if rec.missing.contains(&"odi") => {
            line(
                out,
                &format!(
                    "  {:<28} not scored: fewer than 8 of 10 sections answered",
                    "Oswestry Disability Index"
                ),
            );
        }
        None => line(out, &format!("  {:<28} not given", "Oswestry Disability Index")),
    }
    match &scores.start_back {
        Some(sb) => line(
            out,
            &format!(
                "  {:<28} total {}/9, psychosocial {}/5: {} risk{}",
                "STarT Back",
                sb.total,
                sb.psychosocial,
                sb.risk,
                loinc(&instruments.start_back.instrument.loinc, "total")
            ),
        ),
        None => line(out, &format!("  {:<28} not given", "STarT Back")),
    }
    match scores.fabq_work {
        Some(fabq) => line(out, &format!("  {:<28} {fabq}/42", "FABQ work subscale")),
        None => line(out, &format!("  {:<28} not given", "FABQ work subscale")),
    }
    let pain: Vec<String> = [("back", BACK_PAIN), ("leg", LEG_PAIN)]
        .into_iter()
        .filter_map(|(site, fact)| match doc.fact(fact) {
            Some(Scalar::Int(score)) => Some(format!("{site} {score}/10")),
            _ => None,
        })
        .collect();
    if pain.is_empty() {
        line(out, &format!("  {:<28} not given", "Pain NRS"));
    } else {
        let code = loinc(&instruments.pain_nrs.loinc, "score");
        line(out, &format!("  {:<28} {}{code}", "Pain NRS", pain.join(", ")));
    }
    for (name, predictor) in &rec.predictors {
        line(
            out,
            &format!(
                "  {:<28} {} of {} criteria met ({} known); informational, low certainty",
                name.replace('_', " "),
                predictor.met,
                predictor.of,
                predictor.known
            ),
        );
    }
}

fn phase_lines(out: &mut String, kb: &KnowledgeBase, number: usize, phase: &Phase<'_>) {
    let name = kb
        .care_plan
        .therapies
        .iter()
        .find(|t| t.therapy == phase.therapy)
        .map_or(phase.therapy, |t| t.name.as_str());
    let flags: Vec<String> =
        phase.flags.iter().filter(|(_, on)| *on).map(|(flag, _)| flag.replace('_', " ")).collect();
    let flags = if flags.is_empty() { String::new() } else { format!(" ({})", flags.join(", ")) };
    let span = match phase.dates.as_deref() {
        Some([first, .., last]) => format!(", {} to {}", dated(*first), dated(*last)),
        _ => String::new(),
    };
    line(
        out,
        &format!(
            "  {number}. {name}{flags}: {} sessions over {} weeks{span}",
            phase.sessions, phase.weeks
        ),
    );
    if let Some(dates) = &phase.dates {
        let all: Vec<String> = dates.iter().map(|d| dated(*d)).collect();
        wrap(out, &format!("sessions: {}", all.join(", ")), INDENT);
    }
}

fn dated(date: Date) -> String {
    format!("{} {}", date.strftime("%a"), date)
}
