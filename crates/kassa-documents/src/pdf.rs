//! The receipt as a PDF on 80 mm paper, for email and the archive.

use crate::layout::{Align, COLUMNS, Row, Style, layout};
use crate::receipt::Receipt;
use barcoders::sym::code39::Code39;
use kassa_domain::{Error, Result};
use printpdf::{
    BuiltinFont, Color, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions,
    Point, Polygon, PolygonRing, Pt, Rgb, TextItem, WindingOrder,
};

const PAGE_WIDTH_MM: f32 = 80.0;
const MARGIN_MM: f32 = 3.0;
/// Courier's advance is 0.6 em: 48 columns fit 74 mm at this size.
const FONT_PT: f32 = 7.5;
const LINE_PT: f32 = 9.5;
const BARCODE_PT: f32 = 34.0;

fn black() -> Color {
    Color::Rgb(Rgb {
        r: 0.0,
        g: 0.0,
        b: 0.0,
        icc_profile: None,
    })
}

/// The receipt as PDF bytes.
pub fn render(r: &Receipt) -> Result<Vec<u8>> {
    render_rows(&format!("{} {}", r.title(), r.number), layout(r))
}

/// Laid-out rows (a receipt's, a booking confirmation's) as PDF bytes on 80 mm paper, with
/// `title` as the document's title.
pub fn render_rows(title: &str, rows: Vec<Row>) -> Result<Vec<u8>> {
    let height_pt: f32 = rows
        .iter()
        .map(|row| match row {
            Row::Text {
                style: Style::Big, ..
            } => LINE_PT * 2.0,
            Row::Barcode(_) => BARCODE_PT + LINE_PT,
            _ => LINE_PT,
        })
        .sum::<f32>()
        + 2.0 * Pt::from(Mm(MARGIN_MM)).0;
    let page_height = Mm::from(Pt(height_pt));
    let left = Pt::from(Mm(MARGIN_MM)).0;
    let content_width = Pt::from(Mm(PAGE_WIDTH_MM - 2.0 * MARGIN_MM)).0;
    let char_width = FONT_PT * 0.6;

    let mut ops = Vec::new();
    let mut y = Pt::from(page_height).0 - Pt::from(Mm(MARGIN_MM)).0;
    for row in rows {
        match row {
            Row::Text { text, style, align } => {
                let (font, size, advance) = match style {
                    Style::Normal => (BuiltinFont::Courier, FONT_PT, LINE_PT),
                    Style::Bold => (BuiltinFont::CourierBold, FONT_PT, LINE_PT),
                    Style::Big => (BuiltinFont::CourierBold, FONT_PT * 2.0, LINE_PT * 2.0),
                };
                y -= advance;
                let width = text.chars().count() as f32 * char_width * (size / FONT_PT);
                let x = match align {
                    Align::Left => left,
                    Align::Center => left + ((content_width - width) / 2.0).max(0.0),
                };
                ops.extend([
                    Op::StartTextSection,
                    Op::SetFont {
                        font: PdfFontHandle::Builtin(font),
                        size: Pt(size),
                    },
                    Op::SetFillColor { col: black() },
                    Op::SetTextCursor {
                        pos: Point {
                            x: Pt(x),
                            y: Pt(y + advance * 0.2),
                        },
                    },
                    Op::ShowText {
                        items: vec![TextItem::Text(text)],
                    },
                    Op::EndTextSection,
                ]);
            }
            Row::Rule => {
                y -= LINE_PT;
                let dashes = "-".repeat(COLUMNS);
                ops.extend([
                    Op::StartTextSection,
                    Op::SetFont {
                        font: PdfFontHandle::Builtin(BuiltinFont::Courier),
                        size: Pt(FONT_PT),
                    },
                    Op::SetTextCursor {
                        pos: Point {
                            x: Pt(left),
                            y: Pt(y + LINE_PT * 0.2),
                        },
                    },
                    Op::ShowText {
                        items: vec![TextItem::Text(dashes)],
                    },
                    Op::EndTextSection,
                ]);
            }
            Row::Blank => y -= LINE_PT,
            Row::Barcode(data) => {
                y -= BARCODE_PT + LINE_PT * 0.5;
                let code = Code39::new(data.to_ascii_uppercase()).map_err(|e| {
                    Error::invalid_input(format!("'{data}' cannot be a Code 39 barcode: {e}"))
                })?;
                let modules = code.encode();
                let module_w = (content_width * 0.9) / modules.len() as f32;
                let x0 = left + (content_width - module_w * modules.len() as f32) / 2.0;
                let mut rings = Vec::new();
                let mut i = 0;
                while i < modules.len() {
                    if modules[i] == 1 {
                        let start = i;
                        while i < modules.len() && modules[i] == 1 {
                            i += 1;
                        }
                        let (x1, x2) = (x0 + start as f32 * module_w, x0 + i as f32 * module_w);
                        let corner = |x: f32, yy: f32| printpdf::LinePoint {
                            p: Point {
                                x: Pt(x),
                                y: Pt(yy),
                            },
                            bezier: false,
                        };
                        rings.push(PolygonRing {
                            points: vec![
                                corner(x1, y),
                                corner(x2, y),
                                corner(x2, y + BARCODE_PT),
                                corner(x1, y + BARCODE_PT),
                            ],
                        });
                    } else {
                        i += 1;
                    }
                }
                ops.push(Op::SetFillColor { col: black() });
                ops.push(Op::DrawPolygon {
                    polygon: Polygon {
                        rings,
                        mode: PaintMode::Fill,
                        winding_order: WindingOrder::NonZero,
                    },
                });
                y -= LINE_PT * 0.5;
            }
        }
    }
    let mut doc = PdfDocument::new(title);
    let page = PdfPage::new(Mm(PAGE_WIDTH_MM), page_height, ops);
    let mut warnings = Vec::new();
    Ok(doc
        .with_pages(vec![page])
        .save(&PdfSaveOptions::default(), &mut warnings))
}
