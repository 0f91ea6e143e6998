//! The terminal report of a recommendation: what a clinician wants to read, in order — the
//! pathway and why, red flags, contraindications, scores, the plan with dates, what is missing,
//! every rule that fired, the evidence and its certainty, notices and the disclaimer.

use std::fmt::Write as _;

use discpath_engine::{InputValue, Phase, Recommendation};
use discpath_kb::KnowledgeBase;
use discpath_model::vocabulary::{BACK_PAIN, LEG_PAIN};
use discpath_model::{Assessment, Scalar};
use jiff::civil::Date;

const WIDTH: usize = 100;
const INDENT: &str = "    ";

/// Renders the report.
pub(crate) fn render(kb: &KnowledgeBase, doc: &Assessment, rec: &Recommendation<'_>) -> String {
    let mut out = String::new();
    let short_hash = rec.kb.hash.get(..19).unwrap_or(rec.kb.hash);
    line(
        &mut out,
        &format!("discpath recommendation — {} {} ({short_hash}…)", rec.kb.name, rec.kb.version),
    );

    heading(&mut out, "PATHWAY");
    line(&mut out, &format!("  {}  [{}]", rec.pathway.title(), rec.pathway));
    line(
        &mut out,
        &format!("  decided by {} · evidence certainty {}", rec.decided_by, rec.certainty.as_str()),
    );
    if let Some(entry) = rec.rationale.iter().find(|e| e.rule() == rec.decided_by) {
        wrap(&mut out, entry.statement(), "  ");
    }
    if let Some(advice) = rec.advice {
        wrap(&mut out, &format!("Next step: {advice}"), "  ");
    }

    heading(&mut out, "RED FLAGS");
    if rec.red_flags.is_empty() {
        line(&mut out, "  none present");
    }
    for flag in &rec.red_flags {
        let action = kb.tiers.iter().find(|t| t.id == flag.tier).map_or("", |t| t.action.as_str());
        line(&mut out, &format!("  - {} ({})", flag.id, flag.tier));
        wrap(&mut out, action, INDENT);
    }

    heading(&mut out, "CONTRAINDICATIONS");
    if rec.contraindications.is_empty() {
        line(&mut out, "  none present");
    }
    for contraindication in &rec.contraindications {
        let meaning = match contraindication.class {
            discpath_kb::ContraindicationClass::Absolute => "never recommended while present",
            discpath_kb::ContraindicationClass::Relative => "warning only",
        };
        line(
            &mut out,
            &format!(
                "  - {}: {} contraindication to {} ({meaning})",
                contraindication.id,
                contraindication.class.as_str(),
                contraindication.therapy
            ),
        );
    }
    line(
        &mut out,
        &format!(
            "  Decompression candidate: {}",
            if rec.decompression_candidate { "yes" } else { "no" }
        ),
    );

    scores(&mut out, kb, doc, rec);

    if !rec.escalation_options.is_empty() {
        heading(&mut out, "ESCALATION OPTIONS");
        for option in &rec.escalation_options {
            line(&mut out, &format!("  - {option}"));
        }
    }

    heading(&mut out, "CARE PLAN");
    match &rec.care_plan {
        None => line(&mut out, "  none: the pathway does not start a course of therapy"),
        Some(plan) => {
            for (index, phase) in plan.phases.iter().enumerate() {
                phase_lines(&mut out, kb, index + 1, phase);
            }
            let follow_ups: Vec<String> = plan
                .follow_ups
                .iter()
                .map(|f| match f.date {
                    Some(date) => format!("{} {}", f.label, dated(date)),
                    None => format!("{} ({} after the start)", f.label, f.offset),
                })
                .collect();
            wrap(&mut out, &format!("Follow-up questionnaires: {}", follow_ups.join(" · ")), "  ");
        }
    }

    heading(&mut out, "MISSING");
    if rec.missing.is_empty() {
        line(&mut out, "  nothing the decision needed");
    } else {
        line(&mut out, &format!("  {}", rec.missing.join(", ")));
    }

    heading(&mut out, "WHY: RULES THAT FIRED");
    for entry in rec.rationale.iter().filter(|e| e.provenance.is_none()) {
        line(&mut out, &format!("  [{}] certainty {}", entry.rule(), entry.certainty().as_str()));
        wrap(&mut out, entry.statement(), INDENT);
        if !entry.inputs.is_empty() {
            let read: Vec<String> = entry
                .inputs
                .iter()
                .map(|(name, value)| format!("{name} = {}", show(value)))
                .collect();
            wrap(&mut out, &format!("read: {}", read.join("; ")), INDENT);
        }
        wrap(&mut out, &format!("sources: {}", entry.sources().join("; ")), INDENT);
    }

    let evidence: Vec<_> = rec.rationale.iter().filter(|e| e.provenance.is_some()).collect();
    if !evidence.is_empty() {
        heading(&mut out, "EVIDENCE FOR WHAT IS RECOMMENDED");
        for entry in evidence {
            line(
                &mut out,
                &format!(
                    "  [{}] {}, certainty {}",
                    entry.rule(),
                    entry.provenance.map_or("", |p| p.as_str()),
                    entry.certainty().as_str()
                ),
            );
            wrap(&mut out, entry.statement(), INDENT);
            wrap(&mut out, &format!("sources: {}", entry.sources().join("; ")), INDENT);
        }
    }

    if !rec.instruments.is_empty() {
        heading(&mut out, "INSTRUMENT NOTICES");
        for instrument in &rec.instruments {
            wrap(&mut out, &format!("{}: {}", instrument.0.name, instrument.0.notice), "  ");
        }
    }

    heading(&mut out, "DISCLAIMER");
    wrap(&mut out, rec.disclaimer, "  ");
    out
}

fn scores(out: &mut String, kb: &KnowledgeBase, doc: &Assessment, rec: &Recommendation<'_>) {
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
                odi.band,
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

fn show(value: &InputValue<'_>) -> String {
    match value {
        InputValue::Absent => "not answered".to_owned(),
        InputValue::Scalar(field, value) => field.render(*value),
        InputValue::List(items) if items.is_empty() => "none".to_owned(),
        InputValue::List(items) => items.join(", "),
    }
}

fn heading(out: &mut String, title: &str) {
    let _ = write!(out, "\n{title}\n");
}

fn line(out: &mut String, text: &str) {
    out.push_str(text);
    out.push('\n');
}

fn wrap(out: &mut String, text: &str, indent: &str) {
    let options = textwrap::Options::new(WIDTH)
        .initial_indent(indent)
        .subsequent_indent(indent)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .break_words(false);
    for wrapped in textwrap::wrap(text, options) {
        line(out, &wrapped);
    }
}
