//! `discpath`: clinical decision support for disc-related low back pain.
//!
//! One binary with subcommands: `assess` (evaluate assessment documents), `kb check` and
//! `kb test` (validate the knowledge base and run its clinical vignettes) and `compare` (the
//! therapy comparison). Exit status 0 on success, 2 on invalid input, 1 on any other error, with
//! one clear line on standard error.

mod cli;
mod commands;
mod failure;
mod report;
mod telemetry;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;

use crate::failure::Failure;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match commands::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let (code, message) = match &failure {
                Failure::Invalid(message) => (2, message.clone()),
                Failure::Failed(message) => (1, message.clone()),
                // Output already explains each failing item; the exit status says the rest.
                Failure::Reported { code, summary } => (*code, summary.clone()),
            };
            let _ = writeln!(std::io::stderr(), "discpath: {message}");
            ExitCode::from(code)
        }
    }
}
