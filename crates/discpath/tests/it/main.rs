//! The one integration-test binary: runs the real `discpath` binary.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers fail loudly by design")]

mod cli;
mod support;
