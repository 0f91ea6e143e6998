//! The subcommands.

mod admin;
mod assess;
mod compare;
mod kb;
mod outcomes;
mod replay;
mod serve;

use std::path::Path;

use discpath_kb::KnowledgeBase;

use crate::cli::{AdminCommand, AuditCommand, Cli, Command, KbCommand, ReportCommand};
use crate::failure::Failure;

/// Runs the command the arguments name.
pub(crate) fn run(args: Cli) -> Result<(), Failure> {
    match args.command {
        Command::Assess { json, batch, file } => {
            let kb = knowledge_base(args.kb.as_deref())?;
            if batch { assess::batch(&kb, &file) } else { assess::single(&kb, &file, json) }
        }
        Command::Kb { command: KbCommand::Check { dir } } => {
            kb::check(dir.as_deref().or(args.kb.as_deref()))
        }
        Command::Kb { command: KbCommand::Test { dir, vignettes } } => {
            kb::test(dir.as_deref().or(args.kb.as_deref()), vignettes.as_deref())
        }
        Command::Kb { command: KbCommand::Replay { database, clinic, json } } => replay::replay(
            &knowledge_base(args.kb.as_deref())?,
            database.as_deref(),
            clinic.as_deref(),
            json,
        ),
        Command::Compare { json } => compare::print(&knowledge_base(args.kb.as_deref())?, json),
        Command::Serve(serve) => serve::serve(knowledge_base(args.kb.as_deref())?, &serve),
        Command::Admin {
            command:
                AdminCommand::CreateUser { database, clinic, email, name, role, password_stdin },
        } => admin::create_user(&admin::NewUser {
            database: database.as_deref(),
            clinic: clinic.as_deref(),
            email: &email,
            name: &name,
            role: &role,
            password_stdin,
        }),
        Command::Admin { command: AdminCommand::CreateClinic { database, name } } => {
            admin::create_clinic(database.as_deref(), &name)
        }
        Command::Audit { command: AuditCommand::Verify { database } } => {
            admin::verify_audit(database.as_deref())
        }
        Command::Report {
            command: ReportCommand::Outcomes { database, clinic, definition, csv, json, funnel },
        } => outcomes::report(
            &knowledge_base(args.kb.as_deref())?,
            &outcomes::Asked {
                database: database.as_deref(),
                clinic: clinic.as_deref(),
                definition: definition.as_deref(),
                funnel: funnel.as_deref(),
                format: if json {
                    outcomes::Format::Json
                } else if csv {
                    outcomes::Format::Csv
                } else {
                    outcomes::Format::Table
                },
            },
        ),
    }
}

/// The database used when none is named: a SQLite file in the current folder, created on first
/// run.
pub(crate) const DEFAULT_DATABASE: &str = "sqlite://discpath.sqlite3";

/// A database URL without its password, for messages.
pub(crate) fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A multi-threaded runtime for the commands that use the database.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::failed("cannot start the runtime", e))
}

/// The database `--database` names, or the default one.
async fn connect(database: Option<&str>) -> Result<discpath_store::Store, Failure> {
    let url = database.unwrap_or(DEFAULT_DATABASE);
    discpath_store::Store::connect(url)
        .await
        .map_err(|e| Failure::failed(format!("cannot open {}", redacted(url)), e))
}

/// A database error as the command's failure.
fn database(error: discpath_store::StoreError) -> Failure {
    Failure::failed("database", error)
}

/// The knowledge base in `dir`, or the built-in one.
fn knowledge_base(dir: Option<&Path>) -> Result<KnowledgeBase, Failure> {
    let kb = match dir {
        Some(dir) => discpath_kb::load_dir(dir)?,
        None => discpath_kb::load_embedded()?,
    };
    Ok(kb)
}

/// Writes to standard output, mapping a closed pipe or full disk to a failure.
fn write_stdout(text: impl AsRef<[u8]>) -> Result<(), Failure> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_ref())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::failed("cannot write to standard output", e))
}
