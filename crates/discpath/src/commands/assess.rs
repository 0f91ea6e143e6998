//! `discpath assess`: one document, or JSON Lines in `--batch`.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
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
///
/// A line that lies whole in the reader's buffer (nearly every line) is parsed where it lies,
/// and every recommendation is encoded straight into one output buffer that goes to standard
/// output in large writes: no document is copied on the way in or out.
pub(super) fn batch(kb: &KnowledgeBase, file: &Path) -> Result<(), Failure> {
    const CHUNK: usize = 1 << 16;
    let mut input = BufReader::with_capacity(CHUNK, open(file)?);
    let mut stdout = std::io::stdout().lock();
    let write_error = |e: std::io::Error| Failure::failed("cannot write to standard output", e);
    let mut output = Vec::with_capacity(2 * CHUNK);
    // A line that straddles the reader's buffer is gathered here.
    let mut partial = Vec::new();
    let (mut number, mut invalid) = (0usize, 0usize);
    loop {
        let buffer = input.fill_buf().map_err(|e| {
            Failure::failed(format!("cannot read {} line {}", file.display(), number + 1), e)
        })?;
        if buffer.is_empty() {
            break;
        }
        let (taken, complete) = match memchr::memchr(b'\n', buffer) {
            Some(at) => (at + 1, true),
            None => (buffer.len(), false),
        };
        if complete && partial.is_empty() {
            number += 1;
            invalid += usize::from(!encode_line(kb, &buffer[..taken], number, &mut output)?);
        } else {
            partial.extend_from_slice(&buffer[..taken]);
            if complete {
                number += 1;
                invalid += usize::from(!encode_line(kb, &partial, number, &mut output)?);
                partial.clear();
            }
        }
        input.consume(taken);
        if output.len() >= CHUNK {
            stdout.write_all(&output).map_err(write_error)?;
            output.clear();
        }
    }
    if !partial.is_empty() {
        number += 1;
        invalid += usize::from(!encode_line(kb, &partial, number, &mut output)?);
    }
    stdout.write_all(&output).and_then(|()| stdout.flush()).map_err(write_error)?;
    if invalid > 0 {
        return Err(Failure::Reported {
            code: 2,
            summary: format!("{invalid} of {number} lines are not valid assessment documents"),
        });
    }
    Ok(())
}

/// Appends the output line for one input line (newline included); `false` when the line is not
/// a valid document (its error line is appended instead).
fn encode_line(
    kb: &KnowledgeBase,
    line: &[u8],
    number: usize,
    output: &mut Vec<u8>,
) -> Result<bool, Failure> {
    let parsed = std::str::from_utf8(line)
        .map_err(|_| InvalidDocument {
            errors: vec![FieldError { path: String::new(), message: "not valid UTF-8".to_owned() }],
        })
        .and_then(|text| discpath_model::parse(text.trim_end_matches(['\n', '\r'])));
    let valid = match parsed {
        Ok(doc) => {
            discpath_engine::assess(kb, &doc).write_json(output);
            true
        }
        Err(errors) => {
            serde_json::to_writer(&mut *output, &ErrorLine::new(Some(number), &errors))
                .map_err(|e| Failure::failed("cannot encode the output", e))?;
            false
        }
    };
    output.push(b'\n');
    Ok(valid)
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
