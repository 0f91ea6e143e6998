//! Where knowledge-base files come from: the copy embedded in the binary, or a folder.

use std::path::Path;

use rust_embed::RustEmbed;

use crate::diagnostic::KbError;

/// One knowledge-base file: its name (`pathway.toml`, `patient/es.toml`) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbFile {
    /// The file name.
    pub name: String,
    /// Its content.
    pub text: String,
}

/// The folder of the patient texts inside a knowledge-base folder: `patient/<language>.toml`.
const PATIENT_DIR: &str = "patient";

/// The repository's `kb/` folder, embedded at build time (in debug builds too, so that every
/// build evaluates the same knowledge base and reports the same hash): its `*.toml` files and
/// those of `patient/` (a glob's `*` also matches `/`: [`is_kb_file`] keeps only these).
#[derive(RustEmbed)]
#[folder = "../../kb/"]
#[include = "*.toml"]
#[exclude = "vignettes/*"]
struct Embedded;

/// Whether a path inside a knowledge-base folder names one of its files: a `*.toml` file of the
/// folder or of its `patient/` folder.
fn is_kb_file(name: &str) -> bool {
    let file = name.strip_prefix("patient/").unwrap_or(name);
    file.ends_with(".toml") && !file.contains('/')
}

/// The files of the embedded knowledge base, sorted by name.
pub fn embedded_files() -> Vec<KbFile> {
    let mut files: Vec<KbFile> = Embedded::iter()
        .filter(|name| is_kb_file(name))
        .filter_map(|name| {
            let file = Embedded::get(&name)?;
            let text = String::from_utf8_lossy(&file.data).into_owned();
            Some(KbFile { name: name.into_owned(), text })
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

/// The `*.toml` files of a folder and of its `patient/` folder (named `patient/en.toml`), sorted
/// by name.
pub fn dir_files(dir: &Path) -> Result<Vec<KbFile>, KbError> {
    let mut files = Vec::new();
    read_toml_files(dir, "", &mut files)?;
    let patient = dir.join(PATIENT_DIR);
    if patient.is_dir() {
        read_toml_files(&patient, "patient/", &mut files)?;
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// Adds the `*.toml` files of one folder, each named with `prefix` before its file name.
fn read_toml_files(dir: &Path, prefix: &str, files: &mut Vec<KbFile>) -> Result<(), KbError> {
    let read_error = |path: &Path, error: std::io::Error| KbError::Read {
        path: path.display().to_string(),
        message: error.to_string(),
    };
    for entry in std::fs::read_dir(dir).map_err(|e| read_error(dir, e))? {
        let path = entry.map_err(|e| read_error(dir, e))?.path();
        if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
            let text = std::fs::read_to_string(&path).map_err(|e| read_error(&path, e))?;
            let file_name =
                path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            files.push(KbFile { name: format!("{prefix}{file_name}"), text });
        }
    }
    Ok(())
}
