//! Printable documents of discpath: a [`Document`] — a title, sections of paragraphs, facts and
//! tables, a footer — laid out on A4 pages and written as a PDF.
//!
//! The caller gives the words, already in the reader's language; this crate decides where they
//! go. Text is set in DejaVu Sans (regular and bold, shipped in `fonts/` with their licence) and
//! the fonts are embedded, subset, in every file, so a summary prints the same on any machine.
//! Lines are broken between words to fit the measure; a block that does not fit on a page goes on
//! the next; every page carries the footer and its number. Pure: no I/O, no clock.
//!
//! ```
//! use discpath_pdf::{Block, Document, Section};
//!
//! let document = Document {
//!     title: "Your care plan".into(),
//!     language: "en".into(),
//!     lines: vec!["Ana García".into()],
//!     sections: vec![Section {
//!         heading: "What happens next".into(),
//!         blocks: vec![Block::Text("Ten sessions over five weeks.".into())],
//!     }],
//!     footer: "Not a substitute for your clinician's advice.".into(),
//!     page_label: "Page".into(),
//! };
//! let pdf = discpath_pdf::render(&document)?;
//! assert!(pdf.starts_with(b"%PDF-"));
//! # Ok::<(), discpath_pdf::PdfError>(())
//! ```

mod fonts;
mod layout;
mod render;

pub use fonts::Face;
pub use layout::{Op, PAGE_HEIGHT, PAGE_WIDTH, Page, layout};
pub use render::render;

/// A document to print.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The title, large on the first page and the PDF's title.
    pub title: String,
    /// The document's language (BCP 47: `en`, `es`), recorded in the PDF for screen readers.
    pub language: String,
    /// Lines under the title: who it is for, from whom, when.
    pub lines: Vec<String>,
    /// The sections, in order.
    pub sections: Vec<Section>,
    /// The text at the foot of every page (a disclaimer), before the page number.
    pub footer: String,
    /// The word before the page number: "Page" gives "Page 1 of 2".
    pub page_label: String,
}

/// A section: a heading and what follows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The heading.
    pub heading: String,
    /// The blocks, in order.
    pub blocks: Vec<Block>,
}

/// A block of a section.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph, broken into lines to fit.
    Text(String),
    /// Labelled facts, one a row: the label in bold, its value beside it.
    Facts(Vec<(String, String)>),
    /// A table: a header row in bold, then the rows; every row has a cell a column.
    Table {
        /// The column headings.
        header: Vec<String>,
        /// The rows.
        rows: Vec<Vec<String>>,
    },
}

/// Why a document could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// A shipped font could not be read (a broken build).
    #[error("the embedded font {0} cannot be read")]
    Font(&'static str),
    /// A table row has another number of cells than the header.
    #[error("a table row has {found} cells, its header {expected}")]
    Row {
        /// The header's cells.
        expected: usize,
        /// The row's cells.
        found: usize,
    },
    /// krilla refused to write the file.
    #[error("the PDF cannot be written: {0}")]
    Write(String),
}

#[cfg(test)]
mod tests;
