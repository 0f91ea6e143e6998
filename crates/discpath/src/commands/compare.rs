//! `discpath compare`: the therapies side by side, on the brief's seven factors.

use comfy_table::{ContentArrangement, Table};
use discpath_kb::KnowledgeBase;
use serde_json::{Map, Value, json};

use crate::commands::write_stdout;
use crate::failure::Failure;

/// Prints the comparison as a table (or JSON), followed by the evidence statements and the
/// disclaimer.
pub(super) fn print(kb: &KnowledgeBase, json: bool) -> Result<(), Failure> {
    let evidence = &kb.evidence;
    if json {
        let therapies: Vec<Value> = evidence
            .therapies
            .iter()
            .map(|therapy| {
                let values: Map<String, Value> = evidence
                    .factors
                    .iter()
                    .zip(&therapy.values)
                    .map(|((factor, _), value)| (factor.clone(), Value::String(value.clone())))
                    .collect();
                json!({ "id": therapy.id, "name": therapy.name, "values": values })
            })
            .collect();
        let factors: Vec<Value> = evidence
            .factors
            .iter()
            .map(|(id, label)| json!({ "id": id, "label": label }))
            .collect();
        let statements: Vec<Value> = evidence
            .statements
            .iter()
            .map(|s| {
                json!({
                    "id": s.meta.id, "applies_to": s.applies_to, "statement": s.meta.statement,
                    "provenance": s.provenance, "sources": s.meta.sources, "certainty": s.meta.certainty,
                })
            })
            .collect();
        let body = json!({
            "kb": { "name": kb.name, "version": kb.version, "hash": kb.hash },
            "factors": factors, "therapies": therapies, "evidence": statements,
            "disclaimer": kb.disclaimer,
        });
        let text = serde_json::to_string_pretty(&body)
            .map_err(|e| Failure::failed("cannot serialize the comparison", e))?;
        return write_stdout(format!("{text}\n"));
    }
    let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse::<u16>().ok()).unwrap_or(120);
    let mut table = Table::new();
    table.set_content_arrangement(ContentArrangement::Dynamic).set_width(width.max(60));
    let mut header = vec![String::new()];
    header.extend(evidence.therapies.iter().map(|t| t.name.clone()));
    table.set_header(header);
    for (index, (_, label)) in evidence.factors.iter().enumerate() {
        let mut row = vec![label.clone()];
        row.extend(
            evidence.therapies.iter().map(|t| t.values.get(index).cloned().unwrap_or_default()),
        );
        table.add_row(row);
    }
    let mut out = format!("Therapy comparison ({} {})\n{table}\n\nEvidence\n", kb.name, kb.version);
    for statement in &evidence.statements {
        out.push_str(&format!(
            "  - [{}] {} ({}; certainty {}; {})\n",
            statement.applies_to.join(", "),
            statement.meta.statement,
            statement.provenance,
            statement.meta.certainty.as_str(),
            statement.meta.sources.join("; "),
        ));
    }
    out.push_str(&format!("\n{}\n", kb.disclaimer));
    write_stdout(&out)
}
