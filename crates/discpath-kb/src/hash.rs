//! The content hash that identifies a knowledge base in every output.
//!
//! The hash covers the files' *canonical content*, not their bytes: each file is parsed and
//! written back with sorted keys and no comments or layout, so reformatting a file or editing a
//! comment keeps the hash, and any change of meaning (a threshold, a statement, a source) changes
//! it.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::files::KbFile;

/// `sha256:<hex>` over the canonical content of the files (which must parse as TOML).
pub(crate) fn content_hash(files: &[KbFile]) -> String {
    let mut sorted: Vec<&KbFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut hasher = Sha256::new();
    let mut canonical = String::new();
    for file in sorted {
        canonical.clear();
        if let Ok(table) = file.text.parse::<toml::Table>() {
            write_table(&mut canonical, &table);
        }
        hasher.update(file.name.as_bytes());
        hasher.update([0]);
        hasher.update(canonical.as_bytes());
        hasher.update([0]);
    }
    let mut hex = String::with_capacity(71);
    hex.push_str("sha256:");
    for byte in hasher.finalize() {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

fn write_table(out: &mut String, table: &toml::Table) {
    let mut keys: Vec<&String> = table.keys().collect();
    keys.sort();
    out.push('{');
    for (index, key) in keys.into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        debug_string(out, key);
        out.push(':');
        if let Some(value) = table.get(key) {
            write_value(out, value);
        }
    }
    out.push('}');
}

/// A string as `{:?}` writes it; printable ASCII without quotes or backslashes is copied as it
/// is, which is what `{:?}` does with it, without going through the formatter.
fn debug_string(out: &mut String, text: &str) {
    if text.bytes().all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        let _ = write!(out, "{text:?}");
    }
}

fn write_value(out: &mut String, value: &toml::Value) {
    match value {
        toml::Value::String(s) => debug_string(out, s),
        toml::Value::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        toml::Value::Float(f) => {
            let _ = write!(out, "{f:?}");
        }
        toml::Value::Boolean(b) => {
            let _ = write!(out, "{b}");
        }
        toml::Value::Datetime(d) => {
            let _ = write!(out, "{d}");
        }
        toml::Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        toml::Value::Table(table) => write_table(out, table),
    }
}

#[cfg(test)]
mod tests {
    /// The fast path writes exactly what `{:?}` writes, so the hash does not depend on it.
    #[test]
    fn strings_are_written_as_debug_writes_them() {
        for text in [
            "plain ascii (1-2)",
            "quote \" here",
            "back\\slash",
            "tab\there",
            "≥ 7 — ok",
            "",
            "\u{202e}",
        ] {
            let mut fast = String::new();
            super::debug_string(&mut fast, text);
            assert_eq!(fast, format!("{text:?}"), "{text}");
        }
    }
}
