//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Clinical decision support for disc-related low back pain.
#[derive(Debug, Parser)]
#[command(name = "discpath", version, about)]
pub(crate) struct Cli {
    /// Use the knowledge base in this folder instead of the one built into the binary.
    #[arg(long, global = true, value_name = "DIR", env = "DISCPATH_KB")]
    pub kb: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Evaluate an assessment document and print the recommendation.
    Assess {
        /// Print the recommendation as JSON (the contract) instead of a report.
        #[arg(long)]
        json: bool,
        /// Read JSON Lines (one document a line) and write one JSON line per input line.
        #[arg(long)]
        batch: bool,
        /// The document (JSON), or `-` for standard input.
        #[arg(value_name = "FILE|-")]
        file: PathBuf,
    },
    /// Check or test a knowledge base.
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
    /// Print the side-by-side comparison of the therapies.
    Compare {
        /// Print the comparison as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum KbCommand {
    /// Validate a knowledge base and print its name, version and hash.
    Check {
        /// The knowledge-base folder (default: --kb, else the built-in one).
        dir: Option<PathBuf>,
    },
    /// Run clinical vignettes against a knowledge base and report every difference.
    Test {
        /// The knowledge-base folder (default: --kb, else the built-in one).
        dir: Option<PathBuf>,
        /// The vignettes folder (default: DIR/vignettes, else kb/vignettes).
        vignettes: Option<PathBuf>,
    },
}
