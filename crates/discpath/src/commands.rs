//! The subcommands.

mod assess;
mod compare;
mod kb;

use std::path::Path;

use discpath_kb::KnowledgeBase;

use crate::cli::{Cli, Command, KbCommand};
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
        Command::Compare { json } => compare::print(&knowledge_base(args.kb.as_deref())?, json),
    }
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
