//! Benchmarks of the engine: evaluating one document, and the whole per-document pipeline that
//! `discpath assess --batch` runs (parse and validate JSON, evaluate, serialize JSON).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, reason = "benchmark harness")]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn vignette_input(name: &str) -> String {
    let path = format!("{}/../../kb/vignettes/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let vignette: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    vignette["input"].to_string()
}

fn evaluate(c: &mut Criterion) {
    let kb = discpath_kb::load_embedded().unwrap();
    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(1));
    for name in ["herniation-sequence", "both-failed-annular-tear", "ces-saddle"] {
        let json = vignette_input(name);
        let doc = discpath_model::parse(&json).unwrap();
        group.bench_function(format!("assess/{name}"), |b| {
            b.iter(|| black_box(discpath_engine::assess(&kb, black_box(&doc))));
        });
        group.bench_function(format!("json_in_json_out/{name}"), |b| {
            let mut out = Vec::with_capacity(16 * 1024);
            b.iter(|| {
                out.clear();
                let doc = discpath_model::parse(black_box(&json)).unwrap();
                discpath_engine::assess(&kb, &doc).write_json(&mut out);
                black_box(out.len())
            });
        });
    }
    group.finish();
}

fn load(c: &mut Criterion) {
    c.bench_function("kb/load_embedded", |b| {
        b.iter(|| black_box(discpath_kb::load_embedded().unwrap()))
    });
}

criterion_group!(benches, evaluate, load);
criterion_main!(benches);
