//! Time to lay out and write a two-page patient summary.

#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use discpath_pdf::{Block, Document, Section, render};

fn summary() -> Document {
    let sessions = (1..=20)
        .map(|n| vec![n.to_string(), format!("2027-02-{:02}", n), "Spinal decompression".into()])
        .collect();
    Document {
        title: "Your care plan summary".into(),
        language: "en".into(),
        lines: vec!["Ana García · born 1970-03-02".into(), "Spine clinic · 2027-01-30".into()],
        sections: vec![
            Section {
                heading: "Your pathway".into(),
                blocks: vec![Block::Text(
                    "Spinal decompression, then physical therapy. ".repeat(8),
                )],
            },
            Section {
                heading: "Your sessions".into(),
                blocks: vec![Block::Table {
                    header: vec!["No.".into(), "Date".into(), "Therapy".into()],
                    rows: sessions,
                }],
            },
        ],
        footer: "This summary does not replace your clinician's advice. ".repeat(3),
        page_label: "Page".into(),
    }
}

fn bench(c: &mut Criterion) {
    let document = summary();
    c.bench_function("summary_pdf", |b| b.iter(|| render(&document)));
}

criterion_group!(benches, bench);
criterion_main!(benches);
