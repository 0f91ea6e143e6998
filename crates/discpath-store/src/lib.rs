//! discpath persistence: one code path over SQLite (the default, a file created on first run)
//! and PostgreSQL (several instances behind a load balancer).
//!
//! Reading order: [`Store`] (connect, migrate, begin a transaction), [`Tx`] (one request's
//! transaction), then the record modules — [`accounts`], [`patients`], [`assessments`],
//! [`care`], [`consultations`], [`links`], [`throttle`], [`outcomes`] and [`worklist`] (read models) — and [`audit`], the append-only hash-chained audit trail.
//!
//! Every query is portable SQL run through sqlx's `Any` driver: `$N` placeholders (which the
//! SQLite driver accepts too), text for times and identifiers, integers for flags. Only the
//! migrations differ per database (`migrations/sqlite`, `migrations/postgres`: the binary type
//! and the triggers that keep the audit log append-only). This crate is the only one with SQL.

pub mod accounts;
pub mod assessments;
pub mod audit;
pub mod care;
mod checkpoint;
pub mod consultations;
mod error;
pub mod links;
pub mod outcomes;
pub mod patients;
mod store;
pub mod throttle;
pub mod worklist;

pub use error::StoreError;
pub use store::{Backend, Store, Tx, new_id, timestamp, utc_day};
