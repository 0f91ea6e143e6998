//! Where each line of a [`Document`] goes: lines broken between words to the measure, blocks
//! moved whole to the next page when they do not fit, the footer and page number on every page.

use crate::fonts::{self, Face};
use crate::{Block, Document, PdfError, Section};

/// An A4 page's width, in points.
pub const PAGE_WIDTH: f32 = 595.28;
/// An A4 page's height, in points.
pub const PAGE_HEIGHT: f32 = 841.89;
/// The margin on every side.
const MARGIN: f32 = 56.0;
/// The width text is set in.
const MEASURE: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Line height as a multiple of the type size.
const LEADING: f32 = 1.35;
/// Type sizes.
const TITLE: f32 = 20.0;
const HEADING: f32 = 13.0;
const BODY: f32 = 10.5;
const SMALL: f32 = 8.0;
/// Space between a cell and the next column, and above a heading.
const GUTTER: f32 = 12.0;
const SECTION_GAP: f32 = 14.0;
/// Space between the blocks of a section.
const BLOCK_GAP: f32 = 6.0;

/// One drawing of a page, in points from its top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// A line of text; `y` is its baseline.
    Text {
        /// Left edge.
        x: f32,
        /// Baseline.
        y: f32,
        /// Type face.
        face: Face,
        /// Type size.
        size: f32,
        /// The text.
        text: String,
    },
    /// A horizontal rule from `x1` to `x2`.
    Rule {
        /// Left end.
        x1: f32,
        /// Right end.
        x2: f32,
        /// Height on the page.
        y: f32,
    },
}

/// A laid-out page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// Its drawings, in order.
    pub ops: Vec<Op>,
}

/// A line to set: where in the block it starts, and what it says.
struct Line {
    x: f32,
    face: Face,
    size: f32,
    text: String,
}

/// The pages under construction.
struct Pages {
    done: Vec<Page>,
    page: Page,
    /// The top of the next line.
    y: f32,
    /// Where the footer begins.
    bottom: f32,
}

impl Pages {
    /// Whether `height` more fits on this page.
    fn fits(&self, height: f32) -> bool {
        self.y + height <= self.bottom || self.page.ops.is_empty()
    }

    /// Starts a page if `height` more does not fit on this one.
    fn room_for(&mut self, height: f32) {
        if !self.fits(height) {
            self.done.push(std::mem::take(&mut self.page));
            self.y = MARGIN;
        }
    }

    /// Sets lines that go together (a paragraph's line, a table row) as one band of `height`.
    fn band(&mut self, lines: Vec<(f32, Line)>, height: f32) {
        self.room_for(height);
        for (dy, line) in lines {
            self.page.ops.push(Op::Text {
                x: line.x,
                y: self.y + dy + line.size * 0.8,
                face: line.face,
                size: line.size,
                text: line.text,
            });
        }
        self.y += height;
    }

    fn rule(&mut self) {
        self.page.ops.push(Op::Rule { x1: MARGIN, x2: PAGE_WIDTH - MARGIN, y: self.y });
    }
}

/// Breaks `text` into lines no wider than `width` (a word wider than that alone on its line,
/// cut between characters).
pub(crate) fn wrap(text: &str, face: Face, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate =
                if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if fonts::width(face, size, &candidate) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for c in word.chars() {
                line.push(c);
                if fonts::width(face, size, &line) > width && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::replace(&mut line, c.to_string()));
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// A paragraph as lines of one band each (a paragraph may run over a page break).
fn paragraph(pages: &mut Pages, text: &str, face: Face, size: f32, x: f32, width: f32) {
    for text in wrap(text, face, size, width) {
        pages.band(vec![(0.0, Line { x, face, size, text })], size * LEADING);
    }
}

/// A row of cells set side by side, each wrapped in its column: lines and height of one band.
fn row(cells: &[(f32, f32, Face, &str)]) -> (Vec<(f32, Line)>, f32) {
    let mut lines = Vec::new();
    let mut height: f32 = 0.0;
    for &(x, width, face, text) in cells {
        let wrapped = wrap(text, face, BODY, width);
        height = height.max(wrapped.len() as f32 * BODY * LEADING);
        for (i, text) in wrapped.into_iter().enumerate() {
            lines.push((i as f32 * BODY * LEADING, Line { x, face, size: BODY, text }));
        }
    }
    (lines, height + 2.0)
}

/// The widths of a table's columns: in proportion to their widest cell, no column narrower
/// than its longest word.
fn columns(header: &[String], rows: &[Vec<String>]) -> Vec<f32> {
    let available = MEASURE - GUTTER * header.len().saturating_sub(1) as f32;
    let cells = |i: usize| {
        std::iter::once((Face::Bold, &header[i]))
            .chain(rows.iter().map(move |r| (Face::Regular, &r[i])))
    };
    let widest =
        |i: usize| cells(i).map(|(face, text)| fonts::width(face, BODY, text)).fold(0.0, f32::max);
    let longest_word = |i: usize| {
        cells(i)
            .flat_map(|(face, text)| {
                text.split_whitespace().map(move |w| fonts::width(face, BODY, w))
            })
            .fold(0.0, f32::max)
    };
    let desired: Vec<f32> = (0..header.len()).map(widest).collect();
    let total: f32 = desired.iter().sum();
    if total <= available {
        return desired.iter().map(|w| w / total * available).collect();
    }
    // Every column gets its longest word; what is left goes to those that want more.
    let floors: Vec<f32> = (0..header.len()).map(longest_word).collect();
    let left = (available - floors.iter().sum::<f32>()).max(0.0);
    let wanted: f32 = desired.iter().zip(&floors).map(|(w, floor)| w - floor).sum();
    desired
        .iter()
        .zip(&floors)
        .map(|(w, floor)| floor + if wanted > 0.0 { (w - floor) / wanted * left } else { 0.0 })
        .collect()
}

fn block(pages: &mut Pages, block: &Block) -> Result<(), PdfError> {
    match block {
        Block::Text(text) => paragraph(pages, text, Face::Regular, BODY, MARGIN, MEASURE),
        Block::Facts(facts) => {
            let label = facts
                .iter()
                .map(|(label, _)| fonts::width(Face::Bold, BODY, label))
                .fold(0.0, f32::max)
                .min(MEASURE * 0.4);
            let value_x = MARGIN + label + GUTTER;
            for (name, value) in facts {
                let (lines, height) = row(&[
                    (MARGIN, label, Face::Bold, name),
                    (value_x, MEASURE - label - GUTTER, Face::Regular, value),
                ]);
                pages.band(lines, height);
            }
        }
        Block::Table { header, rows } => {
            if let Some(bad) = rows.iter().find(|r| r.len() != header.len()) {
                return Err(PdfError::Row { expected: header.len(), found: bad.len() });
            }
            let widths = columns(header, rows);
            let cells = |texts: &[String], face: Face| {
                let mut x = MARGIN;
                let mut cells = Vec::with_capacity(texts.len());
                for (text, &width) in texts.iter().zip(&widths) {
                    cells.push((x, width, face, text.as_str()));
                    x += width + GUTTER;
                }
                row(&cells)
            };
            let heading = |pages: &mut Pages| {
                let (lines, height) = cells(header, Face::Bold);
                pages.band(lines, height);
                pages.rule();
                pages.y += 2.0;
            };
            pages.room_for(BODY * LEADING * 3.0);
            heading(pages);
            for texts in rows {
                let (lines, height) = cells(texts, Face::Regular);
                if !pages.fits(height) {
                    // The row goes to a new page, under the header again.
                    pages.room_for(height);
                    heading(pages);
                }
                pages.band(lines, height);
            }
        }
    }
    Ok(())
}

fn section(pages: &mut Pages, section: &Section) -> Result<(), PdfError> {
    // The heading stays with the first lines after it.
    pages.room_for(SECTION_GAP + HEADING * LEADING + BODY * LEADING * 2.0);
    pages.y += SECTION_GAP;
    paragraph(pages, &section.heading, Face::Bold, HEADING, MARGIN, MEASURE);
    for (i, each) in section.blocks.iter().enumerate() {
        if i > 0 {
            pages.y += BLOCK_GAP;
        }
        block(pages, each)?;
    }
    Ok(())
}

/// Lays `document` out on A4 pages.
pub fn layout(document: &Document) -> Result<Vec<Page>, PdfError> {
    fonts::check()?;
    let footer = wrap(&document.footer, Face::Regular, SMALL, MEASURE);
    let footer_height = (footer.len() + 1) as f32 * SMALL * LEADING;
    let bottom = PAGE_HEIGHT - MARGIN - footer_height - GUTTER;
    let mut pages = Pages { done: Vec::new(), page: Page::default(), y: MARGIN, bottom };
    paragraph(&mut pages, &document.title, Face::Bold, TITLE, MARGIN, MEASURE);
    pages.y += 4.0;
    for line in &document.lines {
        paragraph(&mut pages, line, Face::Regular, BODY, MARGIN, MEASURE);
    }
    pages.y += BLOCK_GAP;
    pages.rule();
    for each in &document.sections {
        section(&mut pages, each)?;
    }
    pages.done.push(pages.page);
    let count = pages.done.len();
    for (number, page) in pages.done.iter_mut().enumerate() {
        let top = PAGE_HEIGHT - MARGIN - footer_height;
        page.ops.push(Op::Rule { x1: MARGIN, x2: PAGE_WIDTH - MARGIN, y: top - GUTTER / 2.0 });
        let numbered = format!("{} {} / {count}", document.page_label, number + 1);
        for (i, text) in footer.iter().cloned().chain(std::iter::once(numbered)).enumerate() {
            page.ops.push(Op::Text {
                x: MARGIN,
                y: top + i as f32 * SMALL * LEADING + SMALL * 0.8,
                face: Face::Regular,
                size: SMALL,
                text,
            });
        }
    }
    Ok(pages.done)
}
