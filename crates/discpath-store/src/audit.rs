//! The audit trail: who did what to which patient's data, when, and with what outcome.
//!
//! Records form hash chains: each record's hash covers its fields and the previous record's
//! hash, and `audit_head` keeps each chain's last sequence number and hash. Appending locks the
//! chain's head row until the commit, which orders concurrent appends — and serializes them, on
//! PostgreSQL including each commit's flush to disk. So each clinic (and `system`, for events
//! without one) has [`STRIPES`] chains, `{clinic}/{n}`, and appends take them in turn: as many
//! requests can commit at once, which lets PostgreSQL group their flushes. A clinic's trail is
//! the union of its chains, in time order.
//!
//! The log is append-only: nothing here updates or deletes it, and triggers refuse it in the
//! database. [`verify`] finds a changed, removed or reordered record, and a truncated chain.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{StoreError, Tx};

/// The hash before a chain's first record.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// The chains' owner for events without a clinic.
pub const SYSTEM_CHAIN: &str = "system";
/// How many chains each clinic's trail is spread over.
pub const STRIPES: usize = 8;

/// The next stripe to append to (round robin; which one does not matter, only that concurrent
/// appends spread).
static NEXT_STRIPE: AtomicUsize = AtomicUsize::new(0);

/// An event to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditEvent<'a> {
    /// When (stored timestamp text).
    pub at: &'a str,
    /// The clinic whose data it concerns.
    pub clinic_id: Option<&'a str>,
    /// Who: a user id, `public` or `cli`.
    pub actor: &'a str,
    /// What, e.g. `patient.read`.
    pub action: &'a str,
    /// Whose data.
    pub patient_id: Option<&'a str>,
    /// Which record, e.g. an assessment id.
    pub resource: Option<&'a str>,
    /// `ok`, `denied`, `invalid`, `not_found`, `conflict`, `error`.
    pub outcome: &'a str,
    /// The HTTP request id.
    pub request_id: Option<&'a str>,
}

/// A stored audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    /// The chain.
    pub chain: String,
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When.
    pub at: String,
    /// The clinic.
    pub clinic_id: Option<String>,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Whose data.
    pub patient_id: Option<String>,
    /// Which record.
    pub resource: Option<String>,
    /// Outcome.
    pub outcome: String,
    /// Request id.
    pub request_id: Option<String>,
    /// The previous record's hash.
    pub prev_hash: String,
    /// This record's hash.
    pub hash: String,
}

/// The result of verifying every chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// Chains checked.
    pub chains: usize,
    /// Records checked.
    pub records: usize,
    /// Every problem found (empty: the trail is intact).
    pub problems: Vec<String>,
}

const COLUMNS: &str = "chain, seq, at, clinic_id, actor, action, patient_id, resource, outcome, request_id, prev_hash, hash";

/// Appends an event to one of its clinic's chains.
pub async fn append(tx: &mut Tx, event: &AuditEvent<'_>) -> Result<(), StoreError> {
    append_all(tx, std::slice::from_ref(event)).await
}

/// Appends events of one clinic, in order, to one of its chains (one chain, so that a request
/// never holds two chain heads and concurrent requests cannot deadlock on them).
pub async fn append_all(tx: &mut Tx, events: &[AuditEvent<'_>]) -> Result<(), StoreError> {
    let Some(first) = events.first() else { return Ok(()) };
    let stripe = NEXT_STRIPE.fetch_add(1, Ordering::Relaxed) % STRIPES;
    let chain = format!("{}/{stripe}", first.clinic_id.unwrap_or(SYSTEM_CHAIN));
    let count = i64::try_from(events.len()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    // One statement creates the chain's head or advances it by every record at once, and
    // returns the last sequence number with the hash of the record before the first; it also
    // locks the head until the commit. Then the records, chained here, go in by batches, and the
    // head takes the last one's hash: three statements a batch whatever its size (a list read
    // audits one record per patient shown).
    let (last, mut prev_hash): (i64, String) = sqlx::query_as(
        "insert into audit_head (chain, seq, hash) values ($1, $3, $2) \
         on conflict (chain) do update set seq = audit_head.seq + $3 returning seq, hash",
    )
    .bind(&chain)
    .bind(GENESIS)
    .bind(count)
    .fetch_one(tx.conn())
    .await?;
    let mut records = Vec::with_capacity(events.len());
    for (seq, event) in (last - count + 1..).zip(events) {
        debug_assert_eq!(event.clinic_id, first.clinic_id, "one clinic's events");
        let mut record = AuditRecord {
            chain: chain.clone(),
            seq,
            at: event.at.to_owned(),
            clinic_id: event.clinic_id.map(str::to_owned),
            actor: event.actor.to_owned(),
            action: event.action.to_owned(),
            patient_id: event.patient_id.map(str::to_owned),
            resource: event.resource.map(str::to_owned),
            outcome: event.outcome.to_owned(),
            request_id: event.request_id.map(str::to_owned),
            hash: String::new(),
            prev_hash: std::mem::take(&mut prev_hash),
        };
        record.hash = record_hash(&record);
        prev_hash.clone_from(&record.hash);
        records.push(record);
    }
    for batch in records.chunks(INSERT_BATCH) {
        let rows: Vec<String> = (0..batch.len())
            .map(|row| {
                let params: Vec<String> =
                    (1..=12).map(|col| format!("${}", row * 12 + col)).collect();
                format!("({})", params.join(", "))
            })
            .collect();
        let sql = sqlx::AssertSqlSafe(format!(
            "insert into audit_log (chain, seq, at, clinic_id, actor, action, patient_id, resource, outcome, request_id, prev_hash, hash) \
             values {}",
            rows.join(", ")
        ));
        let mut query = sqlx::query(sql);
        for record in batch {
            query = query
                .bind(&record.chain)
                .bind(record.seq)
                .bind(&record.at)
                .bind(&record.clinic_id)
                .bind(&record.actor)
                .bind(&record.action)
                .bind(&record.patient_id)
                .bind(&record.resource)
                .bind(&record.outcome)
                .bind(&record.request_id)
                .bind(&record.prev_hash)
                .bind(&record.hash);
        }
        query.execute(tx.conn()).await?;
    }
    sqlx::query("update audit_head set hash = $1 where chain = $2")
        .bind(&prev_hash)
        .bind(&chain)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Records a multi-row insert takes at once (12 parameters each, well under either database's
/// limit).
const INSERT_BATCH: usize = 200;

/// Where a page of the audit trail starts: after this record, in (time, chain, sequence) order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The record's time.
    pub at: String,
    /// Its chain.
    pub chain: String,
    /// Its sequence number.
    pub seq: i64,
}

/// Which audit records to read: all of the clinic's, or those about one patient, or by one
/// actor (a user id), or both.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditQuery<'a> {
    /// Only records about this patient.
    pub patient_id: Option<&'a str>,
    /// Only records of this actor.
    pub actor: Option<&'a str>,
}

/// A page of a clinic's audit records, oldest first, after `after`, optionally about one
/// patient. A record appears once its request commits — a few milliseconds after its time.
pub async fn records(
    tx: &mut Tx,
    clinic_id: &str,
    query: AuditQuery<'_>,
    after: Option<&Position>,
    limit: i64,
) -> Result<Vec<AuditRecord>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from audit_log \
         where clinic_id = $1 and ($2 = '' or patient_id = $2) and ($7 = '' or actor = $7) \
         and (at, chain, seq) > ($3, $4, $5) order by at, chain, seq limit $6"
    ));
    Ok(sqlx::query_as(sql)
        .bind(clinic_id)
        .bind(query.patient_id.unwrap_or_default())
        .bind(after.map_or("", |p| p.at.as_str()))
        .bind(after.map_or("", |p| p.chain.as_str()))
        .bind(after.map_or(0, |p| p.seq))
        .bind(limit)
        .bind(query.actor.unwrap_or_default())
        .fetch_all(tx.conn())
        .await?)
}

/// Checks every chain: sequence numbers from 1 without gaps, each record's link to the one
/// before, each record's hash, and that each chain ends where its head says.
pub async fn verify(tx: &mut Tx) -> Result<AuditReport, StoreError> {
    let heads: Vec<(String, i64, String)> =
        sqlx::query_as("select chain, seq, hash from audit_head order by chain")
            .fetch_all(tx.conn())
            .await?;
    let sql = sqlx::AssertSqlSafe(format!("select {COLUMNS} from audit_log order by chain, seq"));
    let records: Vec<AuditRecord> = sqlx::query_as(sql).fetch_all(tx.conn()).await?;
    let mut problems = Vec::new();
    for (chain, head_seq, head_hash) in &heads {
        let mut expected_seq = 1;
        let mut prev_hash = GENESIS.to_owned();
        for record in records.iter().filter(|r| r.chain == *chain) {
            if record.seq != expected_seq {
                problems.push(format!(
                    "chain {chain}: record {expected_seq} is missing (the next record is {})",
                    record.seq
                ));
            } else if record.prev_hash != prev_hash {
                problems.push(format!(
                    "chain {chain}: record {} does not link to the record before it",
                    record.seq
                ));
            }
            if record_hash(record) != record.hash {
                problems.push(format!(
                    "chain {chain}: record {} was changed after it was written",
                    record.seq
                ));
            }
            expected_seq = record.seq + 1;
            prev_hash.clone_from(&record.hash);
        }
        if expected_seq - 1 != *head_seq || prev_hash != *head_hash {
            problems.push(format!(
                "chain {chain}: the chain ends at record {} but {head_seq} were written",
                expected_seq - 1
            ));
        }
    }
    for record in &records {
        if !heads.iter().any(|(chain, _, _)| *chain == record.chain) {
            problems.push(format!("chain {}: records without a chain head", record.chain));
            break;
        }
    }
    Ok(AuditReport { chains: heads.len(), records: records.len(), problems })
}

/// The hash of a record: sha256 over the previous hash and every field, separated so that no
/// two different records can encode alike.
fn record_hash(record: &AuditRecord) -> String {
    let mut hasher = Sha256::new();
    let fields: [&str; 11] = [
        &record.prev_hash,
        &record.chain,
        &record.seq.to_string(),
        &record.at,
        record.clinic_id.as_deref().unwrap_or("\u{0}"),
        &record.actor,
        &record.action,
        record.patient_id.as_deref().unwrap_or("\u{0}"),
        record.resource.as_deref().unwrap_or("\u{0}"),
        &record.outcome,
        record.request_id.as_deref().unwrap_or("\u{0}"),
    ];
    for field in fields {
        hasher.update(field.len().to_le_bytes());
        hasher.update(field.as_bytes());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
