//! `discpath kb replay`: every stored assessment re-evaluated under a knowledge base, to see
//! before a clinic adopts it which recommendations it would change — from what to what, and the
//! episodes a clinician should review. Nothing stored changes; the read is audited, one record
//! per clinic read.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use discpath_kb::KnowledgeBase;
use discpath_store::assessments::{self, ReplayedAssessment};
use discpath_store::audit::{self, AuditEvent};
use serde::Serialize;

use crate::commands::{connect, database, runtime, write_stdout};
use crate::failure::Failure;

/// How many assessments are read at a time.
const PAGE: i64 = 1000;

/// What the replay found.
#[derive(Debug, Default, Serialize)]
struct Report {
    kb: KbIdentity,
    /// The clinic replayed, or all.
    clinic: Option<String>,
    total: usize,
    unchanged: usize,
    changed: usize,
    /// Stored documents the contract no longer accepts (listed, not evaluated).
    unreadable: usize,
    /// The changes by pathway pair, most frequent first.
    changes: Vec<Change>,
    /// The assessments whose pathway would change, in id order.
    affected: Vec<Affected>,
    /// The ids of the unreadable assessments.
    unreadable_assessments: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
struct KbIdentity {
    name: String,
    version: String,
    hash: String,
}

#[derive(Debug, Serialize)]
struct Change {
    from: String,
    to: String,
    count: usize,
}

#[derive(Debug, Serialize)]
struct Affected {
    assessment_id: String,
    clinic_id: String,
    patient_id: String,
    episode_id: String,
    /// The version of the knowledge base that made the stored recommendation.
    assessed_under: String,
    from: String,
    to: String,
}

/// Replays every stored assessment (of `clinic`, or of all) under `kb` and prints the report.
pub(super) fn replay(
    kb: &KnowledgeBase,
    database_url: Option<&str>,
    clinic: Option<&str>,
    json: bool,
) -> Result<(), Failure> {
    let report = runtime()?.block_on(async {
        let store = connect(database_url).await?;
        let mut report = Report {
            kb: KbIdentity {
                name: kb.name.clone(),
                version: kb.version.clone(),
                hash: kb.hash.clone(),
            },
            clinic: clinic.map(str::to_owned),
            ..Report::default()
        };
        let mut pairs: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut clinics: BTreeMap<String, usize> = BTreeMap::new();
        let mut after = String::new();
        loop {
            let mut tx = store.begin().await.map_err(database)?;
            let page =
                assessments::replay_page(&mut tx, clinic, &after, PAGE).await.map_err(database)?;
            tx.commit().await.map_err(database)?;
            let Some(last) = page.last() else { break };
            after.clone_from(&last.assessment_id);
            for stored in page {
                *clinics.entry(stored.clinic_id.clone()).or_default() += 1;
                report.evaluate(kb, stored, &mut pairs);
            }
        }
        let mut changes: Vec<Change> =
            pairs.into_iter().map(|((from, to), count)| Change { from, to, count }).collect();
        changes.sort_by_key(|change| std::cmp::Reverse(change.count));
        report.changes = changes;
        // The audit trail records who read which clinic's patient data, and for what.
        let mut tx = store.begin().await.map_err(database)?;
        let at = discpath_store::timestamp(jiff::Timestamp::now());
        for clinic_id in clinics.keys() {
            let event = AuditEvent {
                at: &at,
                clinic_id: Some(clinic_id),
                actor: "cli",
                action: "kb.replay",
                patient_id: None,
                resource: Some(&kb.hash),
                outcome: "ok",
                request_id: None,
            };
            audit::append(&mut tx, &event).await.map_err(database)?;
        }
        tx.commit().await.map_err(database)?;
        Ok::<_, Failure>(report)
    })?;
    if json {
        let text = serde_json::to_string(&report)
            .map_err(|e| Failure::failed("cannot write the report", e))?;
        write_stdout(text + "\n")
    } else {
        write_stdout(report.text())
    }
}

impl Report {
    /// Evaluates one stored assessment and counts what changed.
    fn evaluate(
        &mut self,
        kb: &KnowledgeBase,
        stored: ReplayedAssessment,
        pairs: &mut BTreeMap<(String, String), usize>,
    ) {
        self.total += 1;
        let Ok(doc) = discpath_model::parse(&stored.document) else {
            self.unreadable += 1;
            self.unreadable_assessments.push(stored.assessment_id);
            return;
        };
        let pathway = discpath_engine::assess(kb, &doc).pathway.as_str();
        if pathway == stored.pathway {
            self.unchanged += 1;
            return;
        }
        self.changed += 1;
        *pairs.entry((stored.pathway.clone(), pathway.to_owned())).or_default() += 1;
        self.affected.push(Affected {
            assessment_id: stored.assessment_id,
            clinic_id: stored.clinic_id,
            patient_id: stored.patient_id,
            episode_id: stored.episode_id,
            assessed_under: stored.kb_version,
            from: stored.pathway,
            to: pathway.to_owned(),
        });
    }

    /// The report for a reader.
    fn text(&self) -> String {
        let mut out = String::new();
        let scope =
            self.clinic.as_deref().map_or("every clinic".to_owned(), |c| format!("clinic {c}"));
        let _ = writeln!(
            out,
            "Replay of {} stored assessments ({scope}) under {} {} ({}); nothing stored was changed.",
            self.total, self.kb.name, self.kb.version, self.kb.hash
        );
        let _ = writeln!(out, "  unchanged   {}", self.unchanged);
        let _ = writeln!(out, "  changed     {}", self.changed);
        let _ = writeln!(
            out,
            "  unreadable  {} (the contract no longer accepts the document)",
            self.unreadable
        );
        if !self.changes.is_empty() {
            let _ = writeln!(out, "\nChanges:");
            for change in &self.changes {
                let _ = writeln!(out, "  {} → {}: {}", change.from, change.to, change.count);
            }
            let _ = writeln!(out, "\nEpisodes to review (assessment, episode, patient, clinic):");
            for a in &self.affected {
                let _ = writeln!(
                    out,
                    "  {} episode {} patient {} clinic {} (assessed under {}): {} → {}",
                    a.assessment_id,
                    a.episode_id,
                    a.patient_id,
                    a.clinic_id,
                    a.assessed_under,
                    a.from,
                    a.to
                );
            }
        }
        if !self.unreadable_assessments.is_empty() {
            let _ = writeln!(out, "\nUnreadable: {}", self.unreadable_assessments.join(", "));
        }
        out
    }
}
