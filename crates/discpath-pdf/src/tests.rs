use crate::layout::{PAGE_HEIGHT, PAGE_WIDTH, wrap};
use crate::{Block, Document, Face, Op, PdfError, Section, layout, render};

fn document(sections: Vec<Section>) -> Document {
    Document {
        title: "Resumen de su plan de atención".into(),
        language: "es".into(),
        lines: vec!["Ana García Núñez · nacida el 1970-03-02".into()],
        sections,
        footer: "Este resumen no sustituye el consejo de su profesional de salud.".into(),
        page_label: "Página".into(),
    }
}

fn texts(pages: &[crate::Page]) -> Vec<&str> {
    pages
        .iter()
        .flat_map(|page| &page.ops)
        .filter_map(|op| match op {
            Op::Text { text, .. } => Some(text.as_str()),
            Op::Rule { .. } => None,
        })
        .collect()
}

#[test]
fn a_paragraph_breaks_between_words_within_the_measure() {
    let text = "Una sesión de descompresión dura unos treinta minutos; la fisioterapia le enseña \
                ejercicios para hacer en casa cada día, y su profesional revisa cómo va.";
    let lines = wrap(text, Face::Regular, 10.5, 200.0);
    assert!(lines.len() > 2, "{lines:?}");
    assert_eq!(lines.join(" "), text, "no word lost or split");
    for line in &lines {
        assert!(crate::fonts::width(Face::Regular, 10.5, line) <= 200.0, "{line}");
    }
}

#[test]
fn a_word_wider_than_the_measure_is_cut_not_lost() {
    let lines = wrap(&"x".repeat(300), Face::Bold, 10.5, 100.0);
    assert!(lines.len() > 1);
    assert_eq!(lines.concat(), "x".repeat(300));
}

#[test]
fn a_long_table_runs_over_pages_with_its_header_on_each() {
    let rows = (1..=80)
        .map(|n| vec![n.to_string(), format!("2027-01-{:02}", n % 28 + 1), "Programada".into()])
        .collect();
    let table = Block::Table { header: vec!["Nº".into(), "Fecha".into(), "Estado".into()], rows };
    let pages =
        layout(&document(vec![Section { heading: "Sesiones".into(), blocks: vec![table] }]))
            .expect("layout");
    assert!(pages.len() >= 2, "80 rows need more than one page");
    let all = texts(&pages);
    assert_eq!(all.iter().filter(|t| **t == "Fecha").count(), pages.len(), "a header a page");
    assert!(all.contains(&"80"));
    let last = format!("Página {n} / {n}", n = pages.len());
    assert!(all.contains(&last.as_str()), "numbered {last}");
    for op in pages.iter().flat_map(|p| &p.ops) {
        if let Op::Text { x, y, .. } = op {
            assert!(*x >= 0.0 && *x < PAGE_WIDTH && *y > 0.0 && *y < PAGE_HEIGHT, "{op:?}");
        }
    }
}

#[test]
fn a_row_with_too_few_cells_is_refused() {
    let table = Block::Table { header: vec!["a".into(), "b".into()], rows: vec![vec!["1".into()]] };
    let refused = layout(&document(vec![Section { heading: "x".into(), blocks: vec![table] }]));
    assert!(matches!(refused, Err(PdfError::Row { expected: 2, found: 1 })));
}

#[test]
fn the_pdf_embeds_its_fonts_and_says_its_language() {
    let facts = Block::Facts(vec![("Vía".into(), "Descompresión y luego fisioterapia".into())]);
    let pdf = render(&document(vec![Section { heading: "Su plan".into(), blocks: vec![facts] }]))
        .expect("render");
    assert!(pdf.starts_with(b"%PDF-"));
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("FontFile2"), "the TrueType font is embedded");
    assert!(raw.contains("DejaVuSans"), "under its own name");
    assert!(raw.contains("/Lang(es)"), "the language is recorded");
}
