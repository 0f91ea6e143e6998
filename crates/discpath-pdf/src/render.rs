//! The laid-out pages written as a PDF by krilla, the fonts embedded and subset.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};

use crate::fonts::Face;
use crate::layout::{Op, PAGE_HEIGHT, PAGE_WIDTH, layout};
use crate::{Document, PdfError};

/// The colour of text: near-black, as on the pages.
const INK: (u8, u8, u8) = (11, 12, 12);
/// The colour of rules.
const RULE: (u8, u8, u8) = (177, 180, 182);

fn colour((r, g, b): (u8, u8, u8)) -> rgb::Color {
    rgb::Color::new(r, g, b)
}

/// `document` as the bytes of a PDF file.
pub fn render(document: &Document) -> Result<Vec<u8>, PdfError> {
    let pages = layout(document)?;
    let font = |face: Face| Font::new(face.data().into(), 0).ok_or(PdfError::Font("DejaVu Sans"));
    let (regular, bold) = (font(Face::Regular)?, font(Face::Bold)?);
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or(PdfError::Write("page size".into()))?;
    let mut pdf = krilla::Document::new();
    pdf.set_metadata(
        Metadata::new()
            .title(document.title.clone())
            .language(document.language.clone())
            .creator("discpath".to_owned()),
    );
    for laid in &pages {
        let mut page = pdf.start_page_with(settings.clone());
        let mut surface = page.surface();
        surface.set_fill(Some(Fill { paint: colour(INK).into(), ..Fill::default() }));
        for op in &laid.ops {
            match op {
                Op::Text { x, y, face, size, text } => {
                    let font = match face {
                        Face::Regular => regular.clone(),
                        Face::Bold => bold.clone(),
                    };
                    surface.draw_text(
                        Point::from_xy(*x, *y),
                        font,
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Rule { x1, x2, y } => {
                    let mut path = PathBuilder::new();
                    path.move_to(*x1, *y);
                    path.line_to(*x2, *y);
                    if let Some(path) = path.finish() {
                        surface.set_stroke(Some(Stroke {
                            paint: colour(RULE).into(),
                            width: 0.75,
                            opacity: NormalizedF32::ONE,
                            ..Stroke::default()
                        }));
                        surface.set_fill(None);
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                        surface
                            .set_fill(Some(Fill { paint: colour(INK).into(), ..Fill::default() }));
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|error| PdfError::Write(format!("{error:?}")))
}
