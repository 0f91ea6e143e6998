//! The two faces the documents are set in, and the width of a text in them.

use std::sync::LazyLock;

use crate::PdfError;

/// DejaVu Sans, regular.
const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
/// DejaVu Sans, bold.
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// A face of the document's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// Text.
    Regular,
    /// Headings, labels, table headers.
    Bold,
}

impl Face {
    /// The font file.
    pub(crate) fn data(self) -> &'static [u8] {
        match self {
            Self::Regular => REGULAR,
            Self::Bold => BOLD,
        }
    }
}

/// A parsed face: its advance widths.
struct Metrics {
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
}

/// Both faces, parsed once; `None` if a shipped file does not parse.
static METRICS: LazyLock<Option<[Metrics; 2]>> =
    LazyLock::new(|| Some([parse(Face::Regular)?, parse(Face::Bold)?]));

fn parse(face: Face) -> Option<Metrics> {
    let parsed = ttf_parser::Face::parse(face.data(), 0).ok()?;
    let units_per_em = f32::from(parsed.units_per_em());
    Some(Metrics { face: parsed, units_per_em })
}

/// Checks that both faces parse, before any layout relies on them.
pub(crate) fn check() -> Result<(), PdfError> {
    METRICS.as_ref().map(|_| ()).ok_or(PdfError::Font("DejaVu Sans"))
}

/// The width of `text` set in `face` at `size` points (advances only: the shaper's kerning
/// only ever narrows a Latin line, so a line measured to fit still fits).
pub(crate) fn width(face: Face, size: f32, text: &str) -> f32 {
    let Some(faces) = METRICS.as_ref() else { return 0.0 };
    let metrics = match face {
        Face::Regular => &faces[0],
        Face::Bold => &faces[1],
    };
    let units: f32 = text
        .chars()
        .map(|c| {
            metrics
                .face
                .glyph_index(c)
                .and_then(|glyph| metrics.face.glyph_hor_advance(glyph))
                .map_or(metrics.units_per_em / 2.0, f32::from)
        })
        .sum();
    units * size / metrics.units_per_em
}
