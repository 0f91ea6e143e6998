//! `discpath-peer`: the discpath pathway (knowledge base 2.0.0) evaluated by gorules zen-engine (JDM).
//!
//! Usage: `discpath-peer MODEL.json DOCS.jsonl > out.jsonl`
//!
//! Loads and compiles the JDM decision once, then for every line of DOCS.jsonl: parses the
//! line as JSON, evaluates the decision (no trace), serializes the decision's result as one
//! compact JSON line on standard output. On standard error it prints one line:
//! `zen-engine: N documents in S s = R documents/s`. The timed region starts after the model
//! is loaded and compiled and covers reading the input file, JSON parsing, evaluation, JSON
//! serialization and writing of every document. Single thread (tokio current-thread runtime).

use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use zen_engine::model::DecisionContent;
use zen_engine::{DecisionEngine, Variable};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("discpath-peer: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        return Err("usage: discpath-peer MODEL.json DOCS.jsonl > out.jsonl".into());
    }
    let (model_path, docs_path) = (&args[1], &args[2]);

    // --- model load (not timed) -------------------------------------------------------------
    let model_text =
        std::fs::read_to_string(model_path).map_err(|e| format!("{model_path}: {e}"))?;
    let content: DecisionContent =
        serde_json::from_str(&model_text).map_err(|e| format!("{model_path}: {e}"))?;
    let engine = DecisionEngine::default();
    let mut decision =
        engine.create_decision(Arc::new(content)).map_err(|e| format!("{model_path}: {e:?}"))?;
    decision.validate().map_err(|e| format!("{model_path}: invalid decision graph: {e:?}"))?;
    // Precompile every expression and unary test to bytecode and build the table indexes.
    decision.compile();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;

    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());

    // --- timed region: read + parse + evaluate + serialize + write ---------------------------
    let started = Instant::now();
    let count = runtime.block_on(async {
        let docs = std::fs::read_to_string(docs_path).map_err(|e| format!("{docs_path}: {e}"))?;
        let mut count: u64 = 0;
        for (index, line) in docs.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let lineno = index + 1;
            let input: Variable = serde_json::from_str(line)
                .map_err(|e| format!("{docs_path}:{lineno}: invalid JSON: {e}"))?;
            let response = decision
                .evaluate(input)
                .await
                .map_err(|e| format!("{docs_path}:{lineno}: evaluation failed: {e:?}"))?;
            serde_json::to_writer(&mut out, &response.result)
                .map_err(|e| format!("{docs_path}:{lineno}: serialize: {e}"))?;
            out.write_all(b"\n").map_err(|e| format!("stdout: {e}"))?;
            count += 1;
        }
        out.flush().map_err(|e| format!("stdout: {e}"))?;
        Ok::<u64, String>(count)
    })?;
    let seconds = started.elapsed().as_secs_f64();

    let rate = if seconds > 0.0 { count as f64 / seconds } else { 0.0 };
    eprintln!("zen-engine: {count} documents in {seconds:.3} s = {rate:.0} documents/s");
    Ok(())
}
