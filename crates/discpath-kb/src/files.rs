//! Where knowledge-base files come from: the copy embedded in the binary, or a folder.

use std::path::Path;

use rust_embed::RustEmbed;

use crate::diagnostic::KbError;

/// One knowledge-base file: its name (`pathway.toml`) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbFile {
    /// The file name.
    pub name: String,
    /// Its content.
    pub text: String,
}

/// The repository's `kb/` folder, embedded at build time (in debug builds too, so that every
/// build evaluates the same knowledge base and reports the same hash).
#[derive(RustEmbed)]
#[folder = "../../kb/"]
#[include = "*.toml"]
#[exclude = "*/*"]
struct Embedded;

/// The files of the embedded knowledge base, sorted by name.
pub fn embedded_files() -> Vec<KbFile> {
    let mut files: Vec<KbFile> = Embedded::iter()
        .filter_map(|name| {
            let file = Embedded::get(&name)?;
            let text = String::from_utf8_lossy(&file.data).into_owned();
            Some(KbFile { name: name.into_owned(), text })
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

/// The `*.toml` files of a folder, sorted by name.
pub fn dir_files(dir: &Path) -> Result<Vec<KbFile>, KbError> {
    let read_error = |path: &Path, error: std::io::Error| KbError::Read {
        path: path.display().to_string(),
        message: error.to_string(),
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| read_error(dir, e))? {
        let path = entry.map_err(|e| read_error(dir, e))?.path();
        if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
            let text = std::fs::read_to_string(&path).map_err(|e| read_error(&path, e))?;
            let name =
                path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            files.push(KbFile { name, text });
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}
