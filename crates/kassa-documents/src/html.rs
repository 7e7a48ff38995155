//! Documents as HTML pages, drawn like the paper: the receipt's print preview and the booking
//! confirmation's.

use crate::layout::{Align, Row, Style, layout};
use crate::receipt::{Language, Receipt};
use barcoders::sym::code39::Code39;
use html_escape::encode_text;
use kassa_domain::{Error, Result};

/// A Code 39 barcode as inline SVG.
pub fn code39_svg(data: &str, height: u32) -> Result<String> {
    let code = Code39::new(data.to_ascii_uppercase())
        .map_err(|e| Error::invalid_input(format!("'{data}' cannot be a Code 39 barcode: {e}")))?;
    let modules = code.encode();
    let mut rects = String::new();
    let mut x = 0usize;
    while x < modules.len() {
        if modules[x] == 1 {
            let start = x;
            while x < modules.len() && modules[x] == 1 {
                x += 1;
            }
            rects.push_str(&format!(
                "<rect x=\"{start}\" y=\"0\" width=\"{}\" height=\"{height}\"/>",
                x - start
            ));
        } else {
            x += 1;
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {height}\" width=\"{w}\" height=\"{height}\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"barcode {label}\">{rects}</svg>",
        w = modules.len(),
        label = encode_text(data),
    ))
}

/// The receipt as a self-contained HTML document.
pub fn render(r: &Receipt) -> Result<String> {
    render_rows(
        &format!("{} {}", r.title(), r.number),
        r.labels.language,
        layout(r),
    )
}

/// Laid-out rows as a self-contained HTML document titled `title`, drawn like the paper.
pub fn render_rows(title: &str, language: Language, rows: Vec<Row>) -> Result<String> {
    let mut body = String::new();
    for row in rows {
        match row {
            Row::Text { text, style, align } => {
                let class = match (style, align) {
                    (Style::Normal, Align::Left) => "row",
                    (Style::Normal, Align::Center) => "row center",
                    (Style::Bold, Align::Left) => "row bold",
                    (Style::Bold, Align::Center) => "row bold center",
                    (Style::Big, Align::Left) => "row big",
                    (Style::Big, Align::Center) => "row big center",
                };
                body.push_str(&format!(
                    "<div class=\"{class}\">{}</div>\n",
                    encode_text(&text)
                ));
            }
            Row::Rule => body.push_str("<div class=\"row rule\"></div>\n"),
            Row::Blank => body.push_str("<div class=\"row\">&nbsp;</div>\n"),
            Row::Barcode(data) => body.push_str(&format!(
                "<div class=\"barcode\">{}</div>\n",
                code39_svg(&data, 48)?
            )),
        }
    }
    Ok(format!(
        r#"<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>
  body {{ margin: 0; background: #eef1f4; }}
  .paper {{ width: 48ch; margin: 8px auto; padding: 4mm 3mm; background: #fff; color: #000; box-shadow: 0 1px 4px rgba(0,0,0,.2);
           font-family: "DejaVu Sans Mono", "Courier New", monospace; font-size: 10.5px; line-height: 1.35; }}
  .row {{ white-space: pre; overflow: hidden; }}
  .center {{ text-align: center; }}
  .bold {{ font-weight: bold; }}
  .big {{ font-weight: bold; font-size: 2em; line-height: 1.15; }}
  .rule {{ border-top: 1px dashed #000; margin: 4px 0; height: 0; }}
  .barcode {{ text-align: center; margin-top: 6px; }}
  .barcode svg {{ width: 90%; height: 48px; }}
  @media print {{ body {{ background: none; }} .paper {{ box-shadow: none; margin: 0; }} }}
</style></head>
<body><div class="paper" data-testid="receipt-paper">
{body}</div></body></html>
"#,
        lang = language.code(),
        title = encode_text(title),
    ))
}
