//! Kassa's printed documents: a receipt laid out once and rendered three ways —
//! ESC/POS bytes for 80 mm thermal printers, HTML for the print preview, and PDF
//! for email and archive.
//!
//! The layout is a list of [`layout::Row`]s in 48 columns (Font A on 80 mm paper); each
//! renderer draws the same rows, so the three always say the same thing.

pub mod booking;
pub mod escpos;
pub mod html;
pub mod layout;
pub mod pdf;
pub mod receipt;
pub mod report;

pub use receipt::{Labels, Language, Receipt, ReceiptKind, ReceiptLine, ReceiptTax, ReceiptTender};

/// `name` made a plain file name whatever it came from (a reference, dates, an id): ASCII
/// letters, digits, `-` and `.` kept, anything else `_`.
pub fn plain_file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
