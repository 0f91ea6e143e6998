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
    /// Run the service (JSON API, accounts, audit trail).
    Serve(ServeArgs),
    /// Administer clinics and accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Reports on the stored data.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReportCommand {
    /// A clinic's outcomes under an outcome definition of the knowledge base: by pathway,
    /// therapy actually received, diagnosis category and clinician — n, responders, the rate with
    /// its Wilson 95% interval, completeness and the bounds the missing follow-ups leave.
    Outcomes {
        /// Database URL [default: sqlite://discpath.sqlite3].
        #[arg(long, env = "DISCPATH_DATABASE", value_name = "URL")]
        database: Option<String>,
        /// The clinic, by id or name; required when the database has several.
        #[arg(long, value_name = "NAME|ID")]
        clinic: Option<String>,
        /// The outcome definition's id [default: the knowledge base's default].
        #[arg(long, value_name = "ID")]
        definition: Option<String>,
        /// As CSV (one row per group) instead of a table.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// As one JSON object.
        #[arg(long)]
        json: bool,
        /// Also write a funnel plot of the responder rate by clinician (SVG) to this file.
        #[arg(long, value_name = "FILE")]
        funnel: Option<PathBuf>,
    },
}

/// Options of `serve`. Each comes from the flag, else the environment (`DISCPATH_…`), else the
/// configuration file (`--config`), else its default.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// A TOML file with any of: listen, database, session_hours, session_idle_minutes,
    /// secure_cookies, body_limit,
    /// upload_limit, trusted_origins, trusted_proxies, log_format, form_secret, instrument_texts
    /// (see the README).
    #[arg(long, env = "DISCPATH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "DISCPATH_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,
    /// Database: sqlite://PATH (created on first run) or postgres://… [default: sqlite://discpath.sqlite3].
    #[arg(long, env = "DISCPATH_DATABASE", value_name = "URL")]
    pub database: Option<String>,
    /// Start with a small synthetic clinic and print its logins (never on real data).
    #[arg(long, env = "DISCPATH_DEMO")]
    pub demo: bool,
    /// How long a login session lasts, in hours [default: 8].
    #[arg(long, env = "DISCPATH_SESSION_HOURS", value_name = "HOURS")]
    pub session_hours: Option<u64>,
    /// A login session unused for this long ends, in minutes [default: 30].
    #[arg(long, env = "DISCPATH_SESSION_IDLE_MINUTES", value_name = "MINUTES")]
    pub session_idle_minutes: Option<u64>,
    /// Do not mark the session cookie Secure (only for plain-HTTP hosts other than localhost).
    #[arg(long, env = "DISCPATH_INSECURE_COOKIES")]
    pub insecure_cookies: bool,
    /// Largest JSON request body in bytes [default: 1048576].
    #[arg(long, env = "DISCPATH_BODY_LIMIT", value_name = "BYTES")]
    pub body_limit: Option<usize>,
    /// Largest uploaded MRI report in bytes [default: 10485760].
    #[arg(long, env = "DISCPATH_UPLOAD_LIMIT", value_name = "BYTES")]
    pub upload_limit: Option<usize>,
    /// An origin trusted for cross-origin form posts (repeatable).
    #[arg(long = "trusted-origin", value_name = "ORIGIN")]
    pub trusted_origins: Vec<String>,
    /// Log format: text or json [default: text].
    #[arg(long, env = "DISCPATH_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AdminCommand {
    /// Create a clinic (a tenant: its own patients, users and audit trail).
    CreateClinic {
        /// Database URL [default: sqlite://discpath.sqlite3].
        #[arg(long, env = "DISCPATH_DATABASE", value_name = "URL")]
        database: Option<String>,
        /// The clinic's name (unique, ignoring case).
        #[arg(long)]
        name: String,
    },
    /// Create a user (the first administrator of a new install, or any other account).
    CreateUser {
        /// Database URL [default: sqlite://discpath.sqlite3].
        #[arg(long, env = "DISCPATH_DATABASE", value_name = "URL")]
        database: Option<String>,
        /// The clinic, by id or name (ignoring case); required when the database has several.
        /// On a database with no clinic yet, the clinic is created with this name.
        #[arg(long, value_name = "NAME|ID")]
        clinic: Option<String>,
        /// Login e-mail.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// admin, clinician or coordinator.
        #[arg(long, default_value = "admin")]
        role: String,
        /// Read the password from standard input (else one is generated and printed).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Verify every hash chain of the audit trail: detects changed, removed or reordered records.
    Verify {
        /// Database URL [default: sqlite://discpath.sqlite3].
        #[arg(long, env = "DISCPATH_DATABASE", value_name = "URL")]
        database: Option<String>,
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
    /// Re-evaluate every stored assessment under a knowledge base (--kb DIR, else the built-in
    /// one) and report which pathways would change, from what to what, and the episodes to
    /// review. Changes nothing stored (the read is audited).
    Replay {
        /// Database URL [default: sqlite://discpath.sqlite3].
        #[arg(long, env = "DISCPATH_DATABASE", value_name = "URL")]
        database: Option<String>,
        /// Only this clinic's assessments (its id).
        #[arg(long, value_name = "ID")]
        clinic: Option<String>,
        /// The report as one JSON object.
        #[arg(long)]
        json: bool,
    },
}
