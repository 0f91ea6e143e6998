//! `discpath kb check` and `discpath kb test`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use discpath_engine::vignette::{self, Vignette};
use discpath_kb::KbError;

use crate::commands::{knowledge_base, write_stdout};
use crate::failure::Failure;

/// Validates a knowledge base: prints its identity, or every problem (file, line, rule).
pub(super) fn check(dir: Option<&Path>) -> Result<(), Failure> {
    let loaded = match dir {
        Some(dir) => discpath_kb::load_dir(dir),
        None => discpath_kb::load_embedded(),
    };
    match loaded {
        Ok(kb) => {
            let n_rules = kb.rules().count();
            write_stdout(format!(
                "ok: {} {} ({}), {n_rules} rules, {} sources\n",
                kb.name,
                kb.version,
                kb.hash,
                kb.sources.len()
            ))
        }
        Err(KbError::Invalid(diagnostics)) => {
            let mut report = String::new();
            for diagnostic in &diagnostics {
                let _ = writeln!(report, "{diagnostic}");
            }
            write_stdout(&report)?;
            Err(Failure::Reported {
                code: 2,
                summary: format!("invalid knowledge base: {} problems", diagnostics.len()),
            })
        }
        Err(other) => Err(other.into()),
    }
}

/// Runs every vignette (`*.json`) in a folder and reports each difference.
pub(super) fn test(dir: Option<&Path>, vignettes: Option<&Path>) -> Result<(), Failure> {
    let kb = knowledge_base(dir)?;
    let folder = vignettes.map_or_else(
        || dir.map_or_else(|| PathBuf::from("kb/vignettes"), |dir| dir.join("vignettes")),
        Path::to_path_buf,
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .map_err(|e| Failure::failed(format!("cannot read {}", folder.display()), e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Failure::Invalid(format!("no vignettes (*.json) in {}", folder.display())));
    }
    let mut report = String::new();
    let (mut failed, mut invalid) = (0usize, 0usize);
    for file in &files {
        let parsed = std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str::<Vignette>(&text).map_err(|e| e.to_string()));
        match parsed {
            Err(error) => {
                invalid += 1;
                let _ = writeln!(report, "INVALID {}: {error}", file.display());
            }
            Ok(vignette) => {
                let differences = vignette::check(&kb, &vignette);
                if differences.is_empty() {
                    let _ = writeln!(report, "pass    {}", vignette.name);
                } else {
                    failed += 1;
                    let _ = writeln!(report, "FAIL    {} ({})", vignette.name, file.display());
                    for difference in differences {
                        let _ = writeln!(report, "          {difference}");
                    }
                }
            }
        }
    }
    let passed = files.len() - failed - invalid;
    let _ =
        writeln!(report, "{passed} of {} vignettes pass ({} {})", files.len(), kb.name, kb.version);
    write_stdout(&report)?;
    match (invalid, failed) {
        (0, 0) => Ok(()),
        (0, _) => Err(Failure::Reported { code: 1, summary: format!("{failed} vignettes fail") }),
        _ => Err(Failure::Reported {
            code: 2,
            summary: format!("{invalid} vignette files are invalid"),
        }),
    }
}
