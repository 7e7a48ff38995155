//! A manager's report as a PDF: the store's header, the filters, the totals, a bar chart drawn
//! here from the same figures as the table, and the table, on landscape A4 pages. The caller
//! computes the report and writes every value as text; this module only lays it out.

use crate::receipt::Language;
use kassa_domain::Result;
use printpdf::{
    BuiltinFont, Color, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rgb, TextItem, WindingOrder,
};

/// A report ready to print: every value already written as people read it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportDocument {
    /// The language of the page's own words ("Totals").
    pub language: Language,
    /// The store's name, the page's first line.
    pub store_name: String,
    /// Lines under the name (the receipt header: address, phone, tax number).
    pub store_header: Vec<String>,
    /// What the report is, e.g. "Sales by product".
    pub title: String,
    /// What it covers: `("Period", "2026-11-01 to 2026-11-30")`, `("Grouped by", "product")`.
    pub filters: Vec<(String, String)>,
    /// The totals: `("Gross", "1234.50")`.
    pub totals: Vec<(String, String)>,
    /// The chart; none when the report has nothing to chart.
    pub chart: Option<BarChart>,
    /// The table's columns; numeric ones are right-aligned.
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
}

/// A table column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub title: String,
    pub numeric: bool,
}

/// Bars of one measure, one per row of the report, in the table's order.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// What the bars measure, e.g. "Net sales (EUR)".
    pub title: String,
    /// Each bar: its label, its value (minor units or a count) and that value as text.
    pub bars: Vec<(String, i64, String)>,
}

/// At most this many bars; the rest are in the table.
pub const MAX_BARS: usize = 20;

const PAGE_W_MM: f32 = 297.0;
const PAGE_H_MM: f32 = 210.0;
const MARGIN_PT: f32 = 36.0;
const TABLE_PT: f32 = 7.5;
/// Courier's advance is 0.6 em.
const CHAR_PT: f32 = TABLE_PT * 0.6;
const ROW_PT: f32 = 10.0;
const CHART_ROW_PT: f32 = 11.0;

fn rgb(r: f32, g: f32, b: f32) -> Color {
    Color::Rgb(Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

/// Builds the pages' drawing operations, starting a new page when one is full.
struct Pages {
    pages: Vec<Vec<Op>>,
    y: f32,
    height: f32,
}

impl Pages {
    fn new() -> Pages {
        let height = Pt::from(Mm(PAGE_H_MM)).0;
        Pages {
            pages: vec![Vec::new()],
            y: height - MARGIN_PT,
            height,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("there is always a page")
    }

    /// Makes room for `needed` points, on a new page if this one has too little left.
    fn room(&mut self, needed: f32) {
        if self.y - needed < MARGIN_PT {
            self.pages.push(Vec::new());
            self.y = self.height - MARGIN_PT;
        }
    }

    fn text(&mut self, x: f32, y: f32, font: BuiltinFont, size: f32, text: &str) {
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::Builtin(font),
                size: Pt(size),
            },
            Op::SetFillColor {
                col: rgb(0.0, 0.0, 0.0),
            },
            Op::SetTextCursor {
                pos: Point { x: Pt(x), y: Pt(y) },
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_string())],
            },
            Op::EndTextSection,
        ]);
    }

    /// A line of text at the left margin, moving down.
    fn line(&mut self, font: BuiltinFont, size: f32, text: &str) {
        let advance = size * 1.4;
        self.room(advance);
        self.y -= advance;
        let y = self.y;
        self.text(MARGIN_PT, y, font, size, text);
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, col: Color) {
        let corner = |x: f32, y: f32| LinePoint {
            p: Point { x: Pt(x), y: Pt(y) },
            bezier: false,
        };
        self.ops().extend([
            Op::SetFillColor { col },
            Op::DrawPolygon {
                polygon: Polygon {
                    rings: vec![PolygonRing {
                        points: vec![
                            corner(x, y),
                            corner(x + w, y),
                            corner(x + w, y + h),
                            corner(x, y + h),
                        ],
                    }],
                    mode: PaintMode::Fill,
                    winding_order: WindingOrder::NonZero,
                },
            },
        ]);
    }

    fn rule(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        let point = |x: f32, y: f32| LinePoint {
            p: Point { x: Pt(x), y: Pt(y) },
            bezier: false,
        };
        self.ops().extend([
            Op::SetOutlineColor {
                col: rgb(0.3, 0.3, 0.3),
            },
            Op::SetOutlineThickness { pt: Pt(0.6) },
            Op::DrawLine {
                line: Line {
                    points: vec![point(x1, y1), point(x2, y2)],
                    is_closed: false,
                },
            },
        ]);
    }
}

/// `text` cut to `width` characters, with `~` where it was cut.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
    s.push('~');
    s
}

/// Horizontal bars, longest to scale, negatives drawn left of the axis.
fn chart(p: &mut Pages, c: &BarChart) {
    let bars = &c.bars[..c.bars.len().min(MAX_BARS)];
    if bars.is_empty() {
        return;
    }
    p.line(BuiltinFont::HelveticaBold, 11.0, &c.title);
    p.y -= 4.0;
    let width = Pt::from(Mm(PAGE_W_MM)).0 - 2.0 * MARGIN_PT;
    let label_w = 150.0;
    let value_w = 80.0;
    let area = width - label_w - value_w;
    let max_pos = bars.iter().map(|b| b.1.max(0)).max().unwrap_or(0);
    let max_neg = bars.iter().map(|b| (-b.1).max(0)).max().unwrap_or(0);
    let span = (max_pos + max_neg).max(1) as f32;
    let axis = MARGIN_PT + label_w + area * (max_neg as f32 / span);
    let top = p.y;
    for (label, value, text) in bars {
        p.room(CHART_ROW_PT);
        p.y -= CHART_ROW_PT;
        let y = p.y;
        p.text(
            MARGIN_PT,
            y + 2.0,
            BuiltinFont::Helvetica,
            8.0,
            &fit(label, 34),
        );
        let len = area * (value.unsigned_abs() as f32 / span);
        let x = if *value < 0 { axis - len } else { axis };
        let col = if *value < 0 {
            rgb(0.80, 0.30, 0.25)
        } else {
            rgb(0.20, 0.45, 0.75)
        };
        p.rect(x, y + 1.0, len.max(0.5), CHART_ROW_PT - 3.0, col);
        p.text(
            MARGIN_PT + label_w + area + 6.0,
            y + 2.0,
            BuiltinFont::Courier,
            8.0,
            text,
        );
    }
    // The axis, when the chart stayed on one page.
    if p.y < top {
        let bottom = p.y;
        p.rule(axis, bottom, axis, top);
    }
    p.y -= 8.0;
}

fn table(p: &mut Pages, columns: &[Column], rows: &[Vec<String>]) {
    let width = Pt::from(Mm(PAGE_W_MM)).0 - 2.0 * MARGIN_PT;
    let chars = (width / CHAR_PT) as usize;
    // Numbers get what their widest value needs; the first text column takes the rest.
    let mut widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |v| v.chars().count()))
                .chain(std::iter::once(c.title.chars().count()))
                .max()
                .unwrap_or(0)
                + 2
        })
        .collect();
    let used: usize = widths.iter().sum();
    if let (true, Some(i)) = (used > chars, columns.iter().position(|c| !c.numeric)) {
        widths[i] = widths[i].saturating_sub(used - chars).max(8);
    }
    let render = |cells: &[String]| -> String {
        let mut s = String::new();
        for (i, c) in columns.iter().enumerate() {
            let w = widths[i];
            let v = fit(cells.get(i).map_or("", String::as_str), w - 1);
            if c.numeric {
                s.push_str(&format!("{v:>w$}", w = w));
            } else {
                s.push_str(&format!("{v:<w$}", w = w));
            }
        }
        s.trim_end().to_string()
    };
    let header: Vec<String> = columns.iter().map(|c| c.title.clone()).collect();
    let head = render(&header);
    let right = MARGIN_PT + width;
    let mut first = true;
    for r in rows {
        if first || p.y - ROW_PT < MARGIN_PT {
            p.room(ROW_PT * 3.0);
            p.y -= ROW_PT;
            let y = p.y;
            p.text(MARGIN_PT, y, BuiltinFont::CourierBold, TABLE_PT, &head);
            p.rule(MARGIN_PT, y - 3.0, right, y - 3.0);
            first = false;
        }
        p.y -= ROW_PT;
        let y = p.y;
        p.text(MARGIN_PT, y, BuiltinFont::Courier, TABLE_PT, &render(r));
    }
}

/// The report as PDF bytes.
pub fn render(doc: &ReportDocument) -> Result<Vec<u8>> {
    let mut p = Pages::new();
    p.line(BuiltinFont::HelveticaBold, 16.0, &doc.store_name);
    for l in &doc.store_header {
        p.line(BuiltinFont::Helvetica, 9.0, l);
    }
    p.y -= 6.0;
    p.line(BuiltinFont::HelveticaBold, 13.0, &doc.title);
    for (k, v) in &doc.filters {
        p.line(BuiltinFont::Helvetica, 9.0, &format!("{k}: {v}"));
    }
    p.y -= 6.0;
    let (totals, nothing) = match doc.language {
        Language::En => ("Totals", "Nothing in this period."),
        Language::De => ("Summen", "In diesem Zeitraum nichts."),
    };
    p.line(BuiltinFont::HelveticaBold, 11.0, totals);
    for (k, v) in &doc.totals {
        p.line(
            BuiltinFont::Courier,
            9.0,
            &format!("{:<28}{v:>16}", format!("{k}:")),
        );
    }
    p.y -= 8.0;
    if let Some(c) = &doc.chart {
        chart(&mut p, c);
    }
    if doc.rows.is_empty() {
        p.line(BuiltinFont::Helvetica, 9.0, nothing);
    } else {
        table(&mut p, &doc.columns, &doc.rows);
    }
    let pages = p
        .pages
        .into_iter()
        .map(|ops| PdfPage::new(Mm(PAGE_W_MM), Mm(PAGE_H_MM), ops))
        .collect();
    let mut pdf = PdfDocument::new(&format!("{} - {}", doc.store_name, doc.title));
    let mut warnings = Vec::new();
    Ok(pdf
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut warnings))
}
