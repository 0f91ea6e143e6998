//! The cards of an evaluation: red flags (`critical` for an emergency, `warning` otherwise),
//! contraindications (`warning`), and the pathway (`info`) with its rationale in markdown,
//! suggestions that create a draft ServiceRequest for the recommended therapy, and override
//! reasons. Summaries are kept under the spec's 140 characters.

use discpath_engine::{Recommendation, RedFlagFinding};
use discpath_fhir::Imported;
use discpath_model::Pathway;
use serde_json::{Value, json};

/// The longest summary CDS Hooks allows is 140 characters; ours stay under it.
const SUMMARY_MAX: usize = 139;

/// Our code system for what SNOMED CT has no concept for (the decompression course, the
/// override reasons).
const CODE_SYSTEM: &str = "https://discpath.org/fhir/CodeSystem";

/// `text` cut to fit a summary (at a character, with an ellipsis).
pub(crate) fn summary(text: &str) -> String {
    if text.chars().count() <= SUMMARY_MAX {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(SUMMARY_MAX - 1).collect();
    cut.push('…');
    cut
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Who the cards come from.
pub(crate) struct Origin<'a> {
    /// The knowledge base's name and version (`discpath-clinic-pathway 2.1.0`).
    pub kb: String,
    /// Where the service is (the `source.url`).
    pub url: &'a str,
    /// The EHR's patient (`Patient/pt-001`), for the suggestions' resources.
    pub patient: &'a str,
}

impl Origin<'_> {
    fn source(&self) -> Value {
        json!({ "label": format!("discpath · {}", self.kb), "url": self.url })
    }

    fn card(&self, summary_text: &str, indicator: &str, detail: String) -> Value {
        json!({
            "uuid": uuid(),
            "summary": summary(summary_text),
            "indicator": indicator,
            "detail": detail,
            "source": self.source(),
        })
    }
}

fn red_flag_card(origin: &Origin<'_>, flags: &[RedFlagFinding<'_>]) -> Option<Value> {
    let first = flags.first()?;
    let indicator =
        if flags.iter().any(|f| f.tier == "emergency") { "critical" } else { "warning" };
    let more = match flags.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    let summary_text = format!("Red flag: {}{more}", first.rule.label.as_str());
    let detail = flags
        .iter()
        .map(|f| {
            format!("- **{}** ({}): {}", f.rule.label.as_str(), f.tier, f.rule.advice.as_str())
        })
        .collect::<Vec<_>>()
        .join("\n");
    Some(origin.card(&summary_text, indicator, detail))
}

/// The suggestion that creates a draft ServiceRequest for the pathway's therapy, if it has one.
fn suggestion(origin: &Origin<'_>, pathway: Pathway) -> Option<Value> {
    let (label, code) = match pathway {
        Pathway::DecompressionThenPt => (
            "Order spinal decompression, then physical therapy",
            json!({ "system": format!("{CODE_SYSTEM}/therapy"), "code": "decompression_then_pt", "display": "Spinal decompression therapy followed by physical therapy" }),
        ),
        Pathway::PhysicalTherapy => (
            "Refer to physical therapy",
            json!({ "system": "http://snomed.info/sct", "code": "91251008", "display": "Physical therapy procedure" }),
        ),
        _ => return None,
    };
    Some(json!({
        "label": label,
        "uuid": uuid(),
        "isRecommended": true,
        "actions": [{
            "type": "create",
            "description": format!("Create a draft ServiceRequest: {label}"),
            "resource": {
                "resourceType": "ServiceRequest",
                "status": "draft",
                "intent": "proposal",
                "code": { "coding": [code] },
                "subject": { "reference": origin.patient }
            }
        }]
    }))
}

fn bullet_list(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().map(|item| format!("- {item}")).collect::<Vec<_>>().join("\n")
}

/// What the record did not give, as the detail's last part.
fn not_read(imported: &Imported) -> String {
    if imported.unmapped.is_empty() {
        return String::new();
    }
    let items = imported.unmapped.iter().map(|u| format!("{}: {}", u.resource, u.reason));
    format!("\n\n**Not used from the record:**\n{}", bullet_list(items))
}

/// The cards of a full evaluation.
pub(crate) fn cards(
    origin: &Origin<'_>,
    recommendation: &Recommendation<'_>,
    imported: &Imported,
) -> Vec<Value> {
    let mut cards: Vec<Value> =
        red_flag_card(origin, &recommendation.red_flags).into_iter().collect();
    if !recommendation.contraindications.is_empty() {
        let labels: Vec<&str> =
            recommendation.contraindications.iter().map(|c| c.rule.label.as_str()).collect();
        let detail = bullet_list(labels.iter().map(|l| (*l).to_owned()));
        cards.push(origin.card(
            &format!("Contraindication: {}", labels.join("; ")),
            "warning",
            detail,
        ));
    }
    let pathway = recommendation.pathway;
    let why = recommendation
        .rationale
        .iter()
        .find(|entry| entry.rule() == recommendation.decided_by)
        .map_or("", |entry| entry.statement().as_str());
    let mut detail = format!(
        "**Why:** {why}\n\n**Certainty of the evidence:** {}",
        recommendation.certainty.as_str()
    );
    if !recommendation.missing.is_empty() {
        let missing = recommendation.missing.iter().map(|m| (*m).to_owned());
        detail.push_str(&format!("\n\n**Still needed:**\n{}", bullet_list(missing)));
    }
    detail.push_str(&not_read(imported));
    detail.push_str(&format!("\n\n*{}*", recommendation.disclaimer.as_str()));
    let mut card = origin.card(&format!("{} ({})", pathway.title(), origin.kb), "info", detail);
    if let Some(suggestion) = suggestion(origin, pathway) {
        card["suggestions"] = json!([suggestion]);
        card["selectionBehavior"] = json!("at-most-one");
    }
    card["overrideReasons"] = json!([
        { "system": format!("{CODE_SYSTEM}/override-reason"), "code": "patient-declined", "display": "Patient declined" },
        { "system": format!("{CODE_SYSTEM}/override-reason"), "code": "already-in-therapy", "display": "Already receiving therapy elsewhere" },
        { "system": format!("{CODE_SYSTEM}/override-reason"), "code": "clinical-judgement", "display": "Clinical judgement differs" }
    ]);
    cards.push(card);
    cards
}

/// The cards when the record lacks what the contract requires: the red flags it already shows,
/// and what is needed before a pathway can be recommended.
pub(crate) fn incomplete(
    origin: &Origin<'_>,
    flags: &[RedFlagFinding<'_>],
    needed: &[String],
    imported: &Imported,
) -> Vec<Value> {
    let mut cards: Vec<Value> = red_flag_card(origin, flags).into_iter().collect();
    let detail = format!(
        "The record does not give what an assessment requires:\n{}{}",
        bullet_list(needed.iter().cloned()),
        not_read(imported)
    );
    let summary_text = format!("To recommend a pathway, discpath needs: {}", needed.join(", "));
    cards.push(origin.card(&summary_text, "info", detail));
    cards
}
