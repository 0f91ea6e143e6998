//! `discpath assess`: one document, or JSON Lines in `--batch`.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;

use discpath_kb::KnowledgeBase;
use discpath_model::{FieldError, InvalidDocument};
use serde::Serialize;

use crate::commands::write_stdout;
use crate::failure::Failure;
use crate::report;

/// Evaluates one document and prints the report (or the JSON recommendation).
pub(super) fn single(kb: &KnowledgeBase, file: &Path, json: bool) -> Result<(), Failure> {
    let mut text = String::new();
    open(file)?
        .read_to_string(&mut text)
        .map_err(|e| Failure::failed(format!("cannot read {}", file.display()), e))?;
    let doc = match discpath_model::parse(&text) {
        Ok(doc) => doc,
        Err(invalid) => {
            if json {
                let body = serde_json::to_string_pretty(&ErrorLine::new(None, &invalid))
                    .map_err(|e| Failure::failed("cannot serialize the errors", e))?;
                write_stdout(format!("{body}\n"))?;
            }
            return Err(Failure::Invalid(invalid.to_string()));
        }
    };
    let recommendation = discpath_engine::assess(kb, &doc);
    if json {
        let mut body = recommendation.to_json();
        body.push(b'\n');
        write_stdout(body)
    } else {
        write_stdout(report::render(kb, &doc, &recommendation))
    }
}

/// Reads JSON Lines and writes one JSON line per input line, in order. A line that is not a
/// valid document yields `{"line": N, "error": "…", "errors": […]}` in its place; the run goes
/// on, and fails (exit status 2) at the end if any line was invalid.
pub(super) fn batch(kb: &KnowledgeBase, file: &Path) -> Result<(), Failure> {
    let mut input = BufReader::with_capacity(1 << 16, open(file)?);
    let mut output = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let write_error = |e: std::io::Error| Failure::failed("cannot write to standard output", e);
    let mut line = Vec::new();
    // Each document is serialized into this buffer, then written out in one piece.
    let mut encoded = Vec::with_capacity(16 * 1024);
    let (mut number, mut invalid) = (0usize, 0usize);
    loop {
        line.clear();
        let read = read_line(&mut input, &mut line).map_err(|e| {
            Failure::failed(format!("cannot read {} line {}", file.display(), number + 1), e)
        })?;
        if read == 0 {
            break;
        }
        number += 1;
        let parsed = std::str::from_utf8(&line)
            .map_err(|_| InvalidDocument {
                errors: vec![FieldError {
                    path: String::new(),
                    message: "not valid UTF-8".to_owned(),
                }],
            })
            .and_then(|text| discpath_model::parse(text.trim_end_matches(['\n', '\r'])));
        encoded.clear();
        let written = match parsed {
            Ok(doc) => {
                discpath_engine::assess(kb, &doc).write_json(&mut encoded);
                Ok(())
            }
            Err(errors) => {
                invalid += 1;
                serde_json::to_writer(&mut encoded, &ErrorLine::new(Some(number), &errors))
            }
        };
        written.map_err(|e| Failure::failed("cannot encode the output", e))?;
        encoded.push(b'\n');
        output.write_all(&encoded).map_err(write_error)?;
    }
    output.flush().map_err(write_error)?;
    if invalid > 0 {
        return Err(Failure::Reported {
            code: 2,
            summary: format!("{invalid} of {number} lines are not valid assessment documents"),
        });
    }
    Ok(())
}

/// Reads up to and including the next newline into `line` (like `BufRead::read_until`, with a
/// vectorized search for the newline); returns the number of bytes read.
fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut read = 0;
    loop {
        let buffer = input.fill_buf()?;
        if buffer.is_empty() {
            return Ok(read);
        }
        let (taken, done) = match memchr::memchr(b'\n', buffer) {
            Some(at) => (at + 1, true),
            None => (buffer.len(), false),
        };
        line.extend_from_slice(&buffer[..taken]);
        input.consume(taken);
        read += taken;
        if done {
            return Ok(read);
        }
    }
}

/// The JSON that stands for an invalid document.
#[derive(Serialize)]
struct ErrorLine<'e> {
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    error: String,
    errors: &'e [FieldError],
}

impl<'e> ErrorLine<'e> {
    fn new(line: Option<usize>, invalid: &'e InvalidDocument) -> Self {
        Self { line, error: invalid.to_string(), errors: &invalid.errors }
    }
}

fn open(file: &Path) -> Result<Box<dyn Read>, Failure> {
    if file == Path::new("-") {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    File::open(file)
        .map(|f| Box::new(f) as Box<dyn Read>)
        .map_err(|e| Failure::failed(format!("cannot open {}", file.display()), e))
}
