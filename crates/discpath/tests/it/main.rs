//! The one integration-test binary: runs the real `discpath` binary, and the real server on
//! port 0 against SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers fail loudly by design")]

mod api;
mod audit_trail;
mod auth;
mod cds_hooks;
mod cli;
mod clinic_pages;
mod hardening;
mod outcomes;
mod pages;
mod printouts;
mod replay;
mod report;
mod serve;
mod server;
mod support;
mod throttling;
mod two_factor;
