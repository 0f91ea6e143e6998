//! `discpath report outcomes`: a clinic's episodes with a care plan, each classified under an
//! outcome definition of the knowledge base (`discpath_outcomes`), in cohort rows by pathway,
//! therapy actually received (at least one session attended), diagnosis category and clinician
//! (the one who decided). A follow-up counts only when answered within its window; the baseline
//! is the baseline questionnaire answered within its window, else the assessment's own ODI and
//! pain; an escalation is a later decision into specialist evaluation (injections and surgery
//! are not recorded yet). The read is audited.

use std::fmt::Write as _;

use discpath_kb::{KnowledgeBase, OutcomeDefinition};
use discpath_outcomes::{
    AnsweredFollowUp, Cohort, CohortRow, EpisodeOutcome, FunnelPoint, Measures, classify, funnel,
};
use discpath_store::accounts;
use discpath_store::audit::{self, AuditEvent};
use discpath_store::care::{FollowUp, QuestionnaireResponse};
use discpath_store::outcomes::{self as stored, PlannedEpisode};
use jiff::civil::Date;
use serde::Serialize;
use serde_json::Value;

use super::admin::find_clinic;
use crate::commands::{connect, database, runtime, write_stdout};
use crate::failure::Failure;

/// How the report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Table,
    Csv,
    Json,
}

/// What the command was asked.
pub(crate) struct Asked<'a> {
    pub database: Option<&'a str>,
    pub clinic: Option<&'a str>,
    pub definition: Option<&'a str>,
    pub funnel: Option<&'a std::path::Path>,
    pub format: Format,
}

#[derive(Serialize)]
struct Report<'a> {
    clinic: String,
    definition: DefinitionView<'a>,
    episodes: usize,
    rows: Vec<CohortRow>,
    /// Published and claimed figures, each with its provenance (not measured by this
    /// definition: plausibility bands, not targets).
    references: Vec<ReferenceView<'a>>,
}

#[derive(Serialize)]
struct ReferenceView<'a> {
    id: &'a str,
    label: &'a str,
    therapy: &'a str,
    rate: f64,
    n: Option<u32>,
    time: &'a str,
    provenance: &'a str,
    sources: &'a [String],
}

#[derive(Serialize)]
struct DefinitionView<'a> {
    id: &'a str,
    version: u32,
    label: &'a str,
    statement: &'a str,
}

/// Reports the clinic's outcomes.
pub(crate) fn report(kb: &KnowledgeBase, asked: &Asked<'_>) -> Result<(), Failure> {
    let definition = match asked.definition {
        Some(id) => kb.outcomes.get(id).ok_or_else(|| {
            let ids: Vec<&str> =
                kb.outcomes.definitions.iter().map(|d| d.meta.id.as_str()).collect();
            Failure::Invalid(format!("definition: no outcome {id:?} (defined: {})", ids.join(", ")))
        })?,
        None => kb.outcomes.default_definition().ok_or_else(|| {
            Failure::Invalid("definition: the knowledge base has none".to_owned())
        })?,
    };
    let (clinic, episodes, cohort) = runtime()?.block_on(async {
        let store = connect(asked.database).await?;
        let mut tx = store.begin().await.map_err(database)?;
        let clinics = accounts::clinics(&mut tx).await.map_err(database)?;
        let clinic = match (asked.clinic, clinics.as_slice()) {
            (Some(wanted), _) => find_clinic(&clinics, wanted)?,
            (None, [one]) => one.clone(),
            (None, _) => {
                return Err(Failure::Invalid(
                    "clinic: the database has several clinics (or none); name one".to_owned(),
                ));
            }
        };
        let id = clinic.clinic_id.as_str();
        let data = Gathered {
            planned: stored::planned_episodes(&mut tx, id).await.map_err(database)?,
            follow_ups: stored::follow_ups(&mut tx, id).await.map_err(database)?,
            responses: stored::responses(&mut tx, id).await.map_err(database)?,
            received: stored::therapies_received(&mut tx, id).await.map_err(database)?,
            escalations: stored::escalations(&mut tx, id).await.map_err(database)?,
        };
        let at = discpath_store::timestamp(jiff::Timestamp::now());
        let event = AuditEvent {
            at: &at,
            clinic_id: Some(id),
            actor: "cli",
            action: "report.outcomes",
            patient_id: None,
            resource: Some(&definition.meta.id),
            outcome: "ok",
            request_id: None,
        };
        audit::append(&mut tx, &event).await.map_err(database)?;
        tx.commit().await.map_err(database)?;
        Ok((clinic.name, data.planned.len(), data.cohort(kb, definition)))
    })?;
    let report = Report {
        clinic,
        definition: DefinitionView {
            id: &definition.meta.id,
            version: definition.version,
            label: &definition.meta.label,
            statement: definition.meta.statement.as_str(),
        },
        episodes,
        rows: cohort.rows(),
        references: kb
            .outcomes
            .references
            .iter()
            .map(|r| ReferenceView {
                id: &r.meta.id,
                label: &r.meta.label,
                therapy: &r.therapy,
                rate: r.rate,
                n: r.n,
                time: &r.time,
                provenance: &r.provenance,
                sources: &r.meta.sources,
            })
            .collect(),
    };
    if let Some(path) = asked.funnel {
        let points: Vec<FunnelPoint> = report
            .rows
            .iter()
            .filter(|row| row.dimension == "clinician")
            .map(|row| FunnelPoint {
                label: row.group.clone(),
                responders: row.responders,
                known: row.responders + row.non_responders,
            })
            .collect();
        let title = format!("{}: {} by clinician", report.clinic, report.definition.label);
        std::fs::write(path, funnel::svg(&title, &points))
            .map_err(|e| Failure::failed(format!("cannot write {}", path.display()), e))?;
    }
    match asked.format {
        Format::Json => {
            let text = serde_json::to_string(&report)
                .map_err(|e| Failure::failed("cannot write the report", e))?;
            write_stdout(text + "\n")
        }
        Format::Csv => write_stdout(csv(&report)),
        Format::Table => write_stdout(table(&report)),
    }
}

/// Everything read of the clinic.
struct Gathered {
    planned: Vec<PlannedEpisode>,
    follow_ups: Vec<FollowUp>,
    responses: Vec<QuestionnaireResponse>,
    received: Vec<(String, String)>,
    escalations: Vec<(String, String)>,
}

impl Gathered {
    /// Every planned episode classified, in its groups.
    fn cohort(&self, kb: &KnowledgeBase, definition: &OutcomeDefinition) -> Cohort {
        let mut cohort = Cohort::default();
        for plan in &self.planned {
            let points: Vec<(&str, (Date, Date), Date)> = self
                .follow_ups
                .iter()
                .filter(|f| f.care_plan_id == plan.care_plan_id)
                .filter_map(|f| f.dates().map(|(window, date)| (f.label.as_str(), window, date)))
                .collect();
            let schedule: Vec<(&str, Date)> =
                points.iter().map(|(label, _, date)| (*label, *date)).collect();
            let follow_ups = self.in_windows(&plan.episode_id, &points);
            let baseline = follow_ups.iter().find(|f| f.label == "baseline").map_or_else(
                || Measures::of_assessment(&plan.document, &plan.recommendation),
                |f| f.measures,
            );
            let escalated_on = self
                .escalations
                .iter()
                .find(|(episode, _)| *episode == plan.episode_id)
                .and_then(|(_, at)| discpath_store::utc_day(at));
            let episode = EpisodeOutcome {
                baseline,
                follow_ups: &follow_ups,
                schedule: &schedule,
                escalated_on,
            };
            let outcome = classify(definition, &episode);
            cohort.add("pathway", &plan.pathway, outcome);
            let therapies: Vec<&str> = self
                .received
                .iter()
                .filter(|(care_plan_id, _)| *care_plan_id == plan.care_plan_id)
                .map(|(_, therapy)| therapy.as_str())
                .collect();
            for therapy in if therapies.is_empty() { vec!["none"] } else { therapies } {
                cohort.add("therapy", therapy, outcome);
            }
            for category in categories(kb, plan) {
                cohort.add("diagnosis", category, outcome);
            }
            cohort.add("clinician", &plan.decided_by, outcome);
        }
        cohort
    }

    /// The episode's questionnaires answered within their follow-ups' windows, the first for
    /// each follow-up.
    fn in_windows(
        &self,
        episode_id: &str,
        points: &[(&str, (Date, Date), Date)],
    ) -> Vec<AnsweredFollowUp<'_>> {
        let mut counted: Vec<AnsweredFollowUp<'_>> = Vec::new();
        for response in self.responses.iter().filter(|r| r.episode_id == episode_id) {
            let Some(day) = response.received_on() else { continue };
            let inside = points.iter().any(|(label, window, _)| {
                *label == response.label && discpath_engine::within(*window, day)
            });
            if inside && !counted.iter().any(|c| c.label == response.label) {
                counted.push(AnsweredFollowUp {
                    label: &response.label,
                    answered_on: day,
                    measures: Measures::of_scores(&response.scores),
                });
            }
        }
        counted
    }
}

/// The knowledge base's categories of the assessment's diagnoses, or `none`.
fn categories<'kb>(kb: &'kb KnowledgeBase, plan: &PlannedEpisode) -> Vec<&'kb str> {
    let document: Value = serde_json::from_str(&plan.document).unwrap_or_default();
    let codes: Vec<&str> = document["diagnoses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str())
        .collect();
    let found: Vec<&str> = kb
        .categories
        .iter()
        .filter(|category| category.codes.iter().any(|code| codes.contains(&code.as_str())))
        .map(|category| category.id.as_str())
        .collect();
    if found.is_empty() { vec!["none"] } else { found }
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

fn table(report: &Report<'_>) -> String {
    let mut out = String::new();
    let d = &report.definition;
    let _ = writeln!(
        out,
        "Outcomes of {} ({} episodes with a care plan)",
        report.clinic, report.episodes
    );
    let _ = writeln!(out, "Definition: {} v{} — {}\n  {}", d.id, d.version, d.label, d.statement);
    let _ = writeln!(
        out,
        "rate: responders of the episodes with a known outcome; complete: the share known; \
         bounds: the rate were every missing episode a non-responder, or a responder\n"
    );
    let _ = writeln!(
        out,
        "{:<10} {:<24} {:>5} {:>5} {:>5} {:>5} {:>7} {:>17} {:>8} {:>15}",
        "by", "group", "n", "resp", "non", "miss", "rate", "95% CI (Wilson)", "complete", "bounds"
    );
    for row in &report.rows {
        let interval = row.interval.map_or_else(
            || "–".to_owned(),
            |i| format!("{:.1}–{:.1}%", i.low * 100.0, i.high * 100.0),
        );
        let _ = writeln!(
            out,
            "{:<10} {:<24} {:>5} {:>5} {:>5} {:>5} {:>7} {:>17} {:>8} {:>15}",
            row.dimension,
            row.group,
            row.n,
            row.responders,
            row.non_responders,
            row.missing,
            percent(row.rate),
            interval,
            percent(Some(row.completeness)),
            format!(
                "{}–{}",
                percent(Some(row.rate_missing_as_non_responders)),
                percent(Some(row.rate_missing_as_responders))
            ),
        );
    }
    let _ = writeln!(
        out,
        "\nPublished and claimed figures (other definitions and times: bands, not targets):"
    );
    for r in &report.references {
        let n = r.n.map_or_else(|| "n not stated".to_owned(), |n| format!("n = {n}"));
        let _ = writeln!(
            out,
            "  {:<48} {:>6}  {}, {}, {} — {} [{}]",
            r.label,
            percent(Some(r.rate)),
            r.therapy,
            r.time,
            n,
            r.provenance,
            r.sources.join("; ")
        );
    }
    out
}

fn csv(report: &Report<'_>) -> String {
    let mut out = String::from(
        "definition,version,dimension,group,n,responders,non_responders,missing,rate,ci_low,ci_high,completeness,rate_missing_as_non_responders,rate_missing_as_responders\n",
    );
    let number = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.6}"));
    for row in &report.rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            report.definition.id,
            report.definition.version,
            row.dimension,
            quoted(&row.group),
            row.n,
            row.responders,
            row.non_responders,
            row.missing,
            number(row.rate),
            number(row.interval.map(|i| i.low)),
            number(row.interval.map(|i| i.high)),
            number(Some(row.completeness)),
            number(Some(row.rate_missing_as_non_responders)),
            number(Some(row.rate_missing_as_responders)),
        );
    }
    for r in &report.references {
        let n = r.n.map_or_else(String::new, |n| n.to_string());
        let _ = writeln!(
            out,
            "{},,reference,{},{n},,,,{},,,,,",
            quoted(r.id),
            quoted(r.label),
            number(Some(r.rate))
        );
    }
    out
}

/// A CSV field, quoted when it must be (RFC 4180).
fn quoted(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}
