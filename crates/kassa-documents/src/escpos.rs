//! The receipt as ESC/POS bytes for 80 mm thermal printers (Epson TM-T20/T88 and compatibles).

use crate::layout::{Align, Row, Style, layout};
use crate::receipt::Receipt;
use escpos::driver::Driver;
use escpos::errors::{PrinterError, Result as EscResult};
use escpos::printer::Printer;
use escpos::printer_options::PrinterOptions;
use escpos::utils::{
    BarcodeFont, BarcodeOption, BarcodePosition, BarcodeWidth, JustifyMode, PageCode, Protocol,
};
use kassa_domain::{Error, Result};
use std::cell::RefCell;

/// Collects what would be sent to the printer.
struct Bytes(RefCell<Vec<u8>>);

impl Driver for Bytes {
    fn name(&self) -> String {
        "bytes".to_string()
    }
    fn write(&self, data: &[u8]) -> EscResult<()> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> EscResult<usize> {
        Ok(0)
    }
    fn flush(&self) -> EscResult<()> {
        Ok(())
    }
}

/// What a character outside PC858 prints as: typographic punctuation as its ASCII twin,
/// anything else as `?`.
fn fallback(c: char) -> &'static str {
    match c {
        '•' | '·' | '∙' => "*",
        '—' | '–' | '‒' | '−' => "-",
        '…' => "...",
        '‘' | '’' | '‚' | '′' => "'",
        '“' | '”' | '„' | '″' => "\"",
        '\u{2009}' | '\u{202F}' | '\u{2007}' => " ",
        _ => "?",
    }
}

/// Writes a line of text. ASCII goes out as is (it is the same in every PC code page, and
/// the escpos crate's PC858 table maps `-` to the soft hyphen); the euro sign and Latin-1
/// letters go through the crate's PC858 table; anything else is replaced (see [`fallback`]).
fn put_line(p: &mut Printer<Bytes>, text: &str) -> Result<()> {
    let mut ascii = Vec::new();
    for c in text.chars() {
        if c.is_ascii() && !c.is_ascii_control() {
            ascii.push(c as u8);
        } else if c != '€' && !('\u{A0}'..='\u{FF}').contains(&c) {
            ascii.extend_from_slice(fallback(c).as_bytes());
        } else {
            if !ascii.is_empty() {
                p.custom(&std::mem::take(&mut ascii)).map_err(esc_err)?;
            }
            p.write(&c.to_string()).map_err(esc_err)?;
        }
    }
    if !ascii.is_empty() {
        p.custom(&ascii).map_err(esc_err)?;
    }
    p.feed().map_err(esc_err)?;
    Ok(())
}

fn esc_err(e: PrinterError) -> Error {
    Error::internal(format!("ESC/POS rendering failed: {e}"))
}

/// The bytes that open the cash drawer (a pulse on pin 2) and print nothing: a "no sale".
pub fn drawer_pulse() -> Result<Vec<u8>> {
    let mut p = Printer::new(Bytes(RefCell::new(Vec::new())), Protocol::default(), None);
    p.init().map_err(esc_err)?;
    p.cash_drawer(escpos::utils::CashDrawer::Pin2)
        .map_err(esc_err)?;
    p.print().map_err(esc_err)?;
    Ok(p.driver().0.into_inner())
}

/// The receipt as the bytes to send to the printer: code page PC858 (with €), bold and
/// double-size text, a Code 39 barcode of the number, then a partial cut. With
/// `open_drawer`, a pulse on pin 2 opens the cash drawer first.
pub fn render(r: &Receipt, open_drawer: bool) -> Result<Vec<u8>> {
    let options = PrinterOptions::new(Some(PageCode::PC858), None, crate::layout::COLUMNS as u8);
    let mut p = Printer::new(
        Bytes(RefCell::new(Vec::new())),
        Protocol::default(),
        Some(options),
    );
    p.init().map_err(esc_err)?;
    if open_drawer {
        p.cash_drawer(escpos::utils::CashDrawer::Pin2)
            .map_err(esc_err)?;
    }
    for row in layout(r) {
        match row {
            Row::Text { text, style, align } => {
                p.justify(match align {
                    Align::Left => JustifyMode::LEFT,
                    Align::Center => JustifyMode::CENTER,
                })
                .map_err(esc_err)?;
                match style {
                    Style::Normal => {}
                    Style::Bold => {
                        p.bold(true).map_err(esc_err)?;
                    }
                    Style::Big => {
                        p.bold(true).map_err(esc_err)?.size(2, 2).map_err(esc_err)?;
                    }
                }
                put_line(&mut p, &text)?;
                if style != Style::Normal {
                    p.bold(false)
                        .map_err(esc_err)?
                        .reset_size()
                        .map_err(esc_err)?;
                }
            }
            Row::Rule => {
                p.justify(JustifyMode::LEFT).map_err(esc_err)?;
                put_line(&mut p, &"-".repeat(crate::layout::COLUMNS))?;
            }
            Row::Blank => {
                p.feed().map_err(esc_err)?;
            }
            Row::Barcode(data) => {
                let option = BarcodeOption::new(
                    BarcodeWidth::M,
                    escpos::utils::BarcodeHeight::S,
                    BarcodeFont::A,
                    BarcodePosition::None,
                );
                p.feed()
                    .map_err(esc_err)?
                    .justify(JustifyMode::CENTER)
                    .map_err(esc_err)?;
                p.code39_option(&data.to_ascii_uppercase(), option)
                    .map_err(esc_err)?;
            }
        }
    }
    p.feeds(3)
        .map_err(esc_err)?
        .partial_cut()
        .map_err(esc_err)?
        .print()
        .map_err(esc_err)?;
    let bytes = p.driver().0.into_inner();
    Ok(bytes)
}
