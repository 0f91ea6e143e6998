//! Red flags (present, asked and absent, not asked), contraindications, escalation options and
//! what is missing.

use discpath_engine::{OptionStatus, Recommendation};
use discpath_kb::{ContraindicationClass, KnowledgeBase};
use discpath_model::vocabulary::FIELDS;
use discpath_model::{Assessment, FactId, Scalar};

use super::text::{INDENT, bullet, heading, input_label, item_label, line, rule_label, wrap};

pub(super) fn red_flags(
    out: &mut String,
    kb: &KnowledgeBase,
    doc: &Assessment,
    rec: &Recommendation<'_>,
) {
    heading(out, "RED FLAGS");
    if rec.red_flags.is_empty() {
        line(out, "  none present");
    }
    for flag in &rec.red_flags {
        let tier = kb.tiers.iter().find(|t| t.id == flag.tier).map_or(flag.tier, |t| &t.title);
        bullet(out, &format!("{tier}: {} [{}]", flag.rule.label, flag.id));
        wrap(out, &flag.rule.advice, INDENT);
    }
    // Every red-flag question answered "no": the screen's items and the optional flags.
    let screen = kb.screens.iter().find(|s| s.meta.id == "screen.red_flags");
    let screened = screen.into_iter().flat_map(|s| &s.items).map(|item| item.fact);
    let optional = FIELDS
        .iter()
        .filter(|field| field.section == "red_flags")
        .filter_map(|field| FactId::lookup(field.path));
    let mut facts: Vec<FactId> = screened.chain(optional).collect();
    facts.dedup_by_key(|fact| *fact);
    let mut absent: Vec<&str> = Vec::new();
    for fact in facts {
        if doc.answers(fact)
            && doc.fact(fact) == Some(Scalar::Bool(false))
            && !absent.contains(&fact.field().label)
        {
            absent.push(fact.field().label);
        }
    }
    if !absent.is_empty() {
        wrap(out, &format!("Asked, absent: {}.", absent.join("; ")), "  ");
    }
    unasked(out, kb, rec, "screen.red_flags", "Not asked (the screen needs them)");
}

/// The screen's unanswered items, with their labels.
fn unasked(
    out: &mut String,
    kb: &KnowledgeBase,
    rec: &Recommendation<'_>,
    screen: &str,
    what: &str,
) {
    let Some(status) = rec.screens.iter().find(|s| s.id == screen) else { return };
    if status.unanswered.is_empty() {
        return;
    }
    let labels: Vec<String> = status.unanswered.iter().map(|id| item_label(kb, id)).collect();
    wrap(out, &format!("{what}: {}.", labels.join("; ")), "  ");
}

pub(super) fn contraindications(out: &mut String, kb: &KnowledgeBase, rec: &Recommendation<'_>) {
    heading(out, "CONTRAINDICATIONS");
    if rec.contraindications.is_empty() {
        line(out, "  none present");
    }
    for found in &rec.contraindications {
        let meaning = match found.class {
            ContraindicationClass::Absolute => "never recommended while present",
            ContraindicationClass::Relative => "warning only",
        };
        bullet(
            out,
            &format!(
                "{} [{}]: {} contraindication to {} ({meaning})",
                found.rule.label,
                found.id,
                found.class.as_str(),
                found.therapy.replace('_', " ")
            ),
        );
        if let Some(advice) = &found.rule.advice {
            wrap(out, advice, INDENT);
        }
    }
    let candidate = if rec.decompression_candidate { "yes" } else { "no" };
    line(out, &format!("  Decompression recommended: {candidate}"));
    unasked(
        out,
        kb,
        rec,
        "screen.decompression_contraindications",
        "Not asked (needed before decompression can be recommended)",
    );
}

pub(super) fn escalation(out: &mut String, kb: &KnowledgeBase, rec: &Recommendation<'_>) {
    if rec.escalation_options.is_empty() {
        return;
    }
    heading(out, "ESCALATION OPTIONS");
    for option in &rec.escalation_options {
        let status = match option.status {
            OptionStatus::Offered => "offered".to_owned(),
            OptionStatus::Excluded => {
                // The exclusions that fired, or the option's own rule when its criteria are not
                // met (its label is the option's, so it reads as such).
                let own = kb.escalation.options.iter().find(|o| o.option == option.id);
                let why: Vec<String> = option
                    .rules
                    .iter()
                    .map(|rule| match own {
                        Some(own) if own.meta.id == *rule => {
                            format!("its criteria are not met [{rule}]")
                        }
                        _ => rule_label(kb, rule),
                    })
                    .collect();
                format!("excluded: {}", why.join("; "))
            }
            OptionStatus::NeedsInformation => {
                let needed: Vec<String> =
                    option.unanswered.iter().map(|p| input_label(kb, p)).collect();
                format!("needs information: {}", needed.join("; "))
            }
        };
        bullet(out, &format!("{} [{}]: {status}", option.label, option.id));
    }
}

pub(super) fn missing(out: &mut String, kb: &KnowledgeBase, rec: &Recommendation<'_>) {
    heading(out, "MISSING");
    if rec.missing.is_empty() {
        line(out, "  nothing the decision needed");
    }
    for id in &rec.missing {
        bullet(out, &item_label(kb, id));
    }
}
