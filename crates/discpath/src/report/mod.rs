//! The terminal report of a recommendation: what a clinician wants to read, in order — a
//! two-line plain summary and the disclaimer, the pathway and why, red flags (present, asked and
//! absent, not asked), contraindications, scores, escalation options, the plan with dates, what
//! is missing, every rule that fired, the evidence and its certainty, the sources with where to
//! find them, notices and the disclaimer again. Raw ids appear only beside plain labels.
//!
//! [`text`] holds the layout helpers and the plain labels; [`findings`] the red flags,
//! contraindications, screens and escalation options; [`plan`] the scores and the care plan.

mod findings;
mod plan;
mod text;

use discpath_engine::Recommendation;
use discpath_kb::KnowledgeBase;
use discpath_model::Assessment;

use self::text::{
    INDENT, bullet, certainty, heading, input_label, line, rule_label, show, wrap, wrap_with,
};

/// Renders the report.
pub(crate) fn render(kb: &KnowledgeBase, doc: &Assessment, rec: &Recommendation<'_>) -> String {
    let mut out = String::new();
    let short_hash = rec.kb.hash.get(..19).unwrap_or(rec.kb.hash);
    line(
        &mut out,
        &format!("discpath recommendation — {} {} ({short_hash}…)", rec.kb.name, rec.kb.version),
    );
    summary(&mut out, rec);

    heading(&mut out, "PATHWAY");
    line(&mut out, &format!("  {} [{}]", rec.pathway.title(), rec.pathway));
    wrap(
        &mut out,
        &format!(
            "Decided by: {} · evidence certainty {}",
            rule_label(kb, rec.decided_by),
            certainty(rec.certainty)
        ),
        "  ",
    );
    if let Some(entry) = rec.rationale.iter().find(|e| e.rule() == rec.decided_by) {
        wrap(&mut out, entry.statement(), "  ");
    }
    if let Some(advice) = rec.advice {
        wrap(&mut out, &format!("Next step: {advice}"), "  ");
    }

    findings::red_flags(&mut out, kb, doc, rec);
    findings::contraindications(&mut out, kb, rec);
    plan::scores(&mut out, kb, doc, rec);
    findings::escalation(&mut out, kb, rec);
    plan::care_plan(&mut out, kb, rec);
    findings::missing(&mut out, kb, rec);
    rationale(&mut out, kb, rec);
    evidence(&mut out, kb, rec);
    sources(&mut out, rec);

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

/// Two plain lines — what is recommended and what stands in its way — then the disclaimer.
fn summary(out: &mut String, rec: &Recommendation<'_>) {
    heading(out, "SUMMARY");
    let mut first = format!("{}.", rec.pathway.title());
    if let Some(flag) = rec.red_flags.first().filter(|f| f.tier != "caution") {
        first.push_str(&format!(" {}", flag.rule.advice));
    } else if let Some(advice) = rec.advice {
        first.push_str(&format!(" {advice}"));
    }
    wrap(out, &first, "  ");
    let stopping: Vec<&str> = rec
        .red_flags
        .iter()
        .filter(|f| f.tier != "caution")
        .map(|f| f.rule.label.as_str())
        .collect();
    let absolute: Vec<&str> = rec
        .contraindications
        .iter()
        .filter(|c| c.class == discpath_kb::ContraindicationClass::Absolute)
        .map(|c| c.rule.label.as_str())
        .collect();
    let mut second = Vec::new();
    second.push(if stopping.is_empty() {
        "No red flag that stops the pathway".to_owned()
    } else {
        format!("Red flags: {}", stopping.join("; "))
    });
    if !absolute.is_empty() {
        second.push(format!("decompression contraindicated by {}", absolute.join("; ")));
    }
    if !rec.missing.is_empty() {
        second.push(format!("{} item(s) missing for the decision", rec.missing.len()));
    }
    wrap(out, &format!("{}.", second.join("; ")), "  ");
    wrap(out, rec.disclaimer, "  ");
}

fn rationale(out: &mut String, kb: &KnowledgeBase, rec: &Recommendation<'_>) {
    heading(out, "WHY: RULES THAT FIRED");
    for entry in &rec.rationale {
        wrap_with(out, &rule_label(kb, entry.rule()), "  ", INDENT);
        wrap(out, entry.statement(), INDENT);
        if !entry.inputs.is_empty() {
            let read: Vec<String> = entry
                .inputs
                .iter()
                .map(|(name, value)| {
                    format!("{} = {}", input_label(kb, name), show(kb, name, value))
                })
                .collect();
            wrap(out, &format!("read: {}", read.join("; ")), INDENT);
        }
        let sources = entry.sources().join("; ");
        wrap(
            out,
            &format!("certainty {} · sources: {sources}", certainty(entry.certainty())),
            INDENT,
        );
    }
}

fn evidence(out: &mut String, kb: &KnowledgeBase, rec: &Recommendation<'_>) {
    if rec.evidence.is_empty() {
        return;
    }
    heading(out, "EVIDENCE FOR WHAT IS RECOMMENDED (highest certainty first)");
    for entry in &rec.evidence {
        wrap_with(out, &rule_label(kb, entry.rule()), "  ", INDENT);
        let provenance = entry.provenance.map_or(String::new(), |p| format!("{p}, "));
        wrap(out, &format!("{provenance}certainty {}", certainty(entry.certainty())), INDENT);
        wrap(out, entry.statement(), INDENT);
        wrap(out, &format!("sources: {}", entry.sources().join("; ")), INDENT);
    }
}

fn sources(out: &mut String, rec: &Recommendation<'_>) {
    heading(out, "SOURCES");
    for source in &rec.sources {
        bullet(out, &format!("{}: {} {}", source.label, source.citation, source.link()));
    }
}
