//! The receipt laid out in rows of 48 columns, the width of Font A on 80 mm paper.

use crate::receipt::{Receipt, ReceiptKind};

/// Characters per line in normal size.
pub const COLUMNS: usize = 48;

/// How a row is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Normal,
    Bold,
    /// Double width and height, bold: half as many columns.
    Big,
}

/// Where a row sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
}

/// One printed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Text {
        text: String,
        style: Style,
        align: Align,
    },
    /// A dashed line across.
    Rule,
    /// An empty line.
    Blank,
    /// A Code 39 barcode of the text (upper-case letters, digits and `-`).
    Barcode(String),
}

pub(crate) fn text(text: impl Into<String>, style: Style, align: Align) -> Row {
    Row::Text {
        text: text.into(),
        style,
        align,
    }
}

/// `left` and `right` on one line of `width` columns; `left` is cut to make room.
pub fn two_columns(left: &str, right: &str, width: usize) -> String {
    let right_len = right.chars().count();
    let room = width.saturating_sub(right_len + 1);
    let left: String = left.chars().take(room).collect();
    let pad = width.saturating_sub(left.chars().count() + right_len);
    format!("{left}{}{right}", " ".repeat(pad))
}

/// Splits `s` into lines of at most `width` characters at spaces where possible.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let mut word: String = word.to_string();
        while word.chars().count() > width {
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            out.push(word.chars().take(width).collect());
            word = word.chars().skip(width).collect();
        }
        let needed = if line.is_empty() {
            word.chars().count()
        } else {
            line.chars().count() + 1 + word.chars().count()
        };
        if needed > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// The receipt's rows, top to bottom.
pub fn layout(r: &Receipt) -> Vec<Row> {
    let l = r.labels;
    let w = COLUMNS;
    let neg = |minor: i64| r.amount(-minor);
    let mut rows = Vec::new();
    for line in wrap(&r.store_name, w / 2) {
        rows.push(text(line, Style::Big, Align::Center));
    }
    for h in &r.header_lines {
        for line in wrap(h, w) {
            rows.push(text(line, Style::Normal, Align::Center));
        }
    }
    rows.push(Row::Rule);
    rows.push(text(
        two_columns(&format!("{} {}", r.title(), r.number), &r.date_time, w),
        Style::Bold,
        Align::Left,
    ));
    if let Some(orig) = &r.refers_to {
        rows.push(text(
            format!("{} {orig}", l.of_refund),
            Style::Normal,
            Align::Left,
        ));
    }
    rows.push(text(
        two_columns(
            &format!("{}: {}", l.staff, r.staff_name),
            &format!("{} {}", l.device, r.device_code),
            w,
        ),
        Style::Normal,
        Align::Left,
    ));
    if let Some(c) = &r.customer {
        rows.push(text(
            format!("{}: {c}", l.customer),
            Style::Normal,
            Align::Left,
        ));
    }
    rows.push(Row::Rule);
    for line in &r.lines {
        let amount = format!(
            "{} {}",
            r.amount(line.total_minor + line.discount_minor),
            line.tax_letter
        );
        if line.quantity == 1 {
            rows.push(text(
                two_columns(&line.name, &amount, w),
                Style::Normal,
                Align::Left,
            ));
        } else {
            for part in wrap(&line.name, w) {
                rows.push(text(part, Style::Normal, Align::Left));
            }
            let qty = format!("  {} x {}", line.quantity, r.amount(line.unit_price_minor));
            rows.push(text(
                two_columns(&qty, &amount, w),
                Style::Normal,
                Align::Left,
            ));
        }
        if line.discount_minor != 0 {
            rows.push(text(
                two_columns(
                    &format!("  {}", l.discount),
                    &format!("{}  ", neg(line.discount_minor)),
                    w,
                ),
                Style::Normal,
                Align::Left,
            ));
        }
    }
    rows.push(Row::Rule);
    if r.discount_minor != 0 {
        rows.push(text(
            two_columns(l.subtotal, &r.amount(r.subtotal_minor), w),
            Style::Normal,
            Align::Left,
        ));
        rows.push(text(
            two_columns(l.discount, &neg(r.discount_minor), w),
            Style::Normal,
            Align::Left,
        ));
    }
    let shown_total = r.total_minor + r.rounding_minor;
    let sign_total = if r.kind == ReceiptKind::Refund {
        -shown_total
    } else {
        shown_total
    };
    if r.rounding_minor != 0 {
        rows.push(text(
            two_columns(l.rounding, &r.amount(r.rounding_minor), w),
            Style::Normal,
            Align::Left,
        ));
    }
    rows.push(text(
        two_columns(
            &format!("{} {}", l.total, r.currency.code()),
            &r.amount(sign_total),
            w / 2,
        ),
        Style::Big,
        Align::Left,
    ));
    rows.push(Row::Blank);
    for t in &r.tenders {
        let amount = if r.kind == ReceiptKind::Refund {
            -t.amount_minor
        } else {
            t.amount_minor
        };
        rows.push(text(
            two_columns(&t.label, &r.amount(amount), w),
            Style::Normal,
            Align::Left,
        ));
        if let Some(d) = &t.detail {
            for part in wrap(d, w - 2) {
                rows.push(text(format!("  {part}"), Style::Normal, Align::Left));
            }
        }
    }
    if r.change_minor != 0 {
        rows.push(text(
            two_columns(l.change, &r.amount(r.change_minor), w),
            Style::Bold,
            Align::Left,
        ));
    }
    if !r.taxes.is_empty() {
        rows.push(Row::Rule);
        let head = format!(
            "{:<4}{:>8}{:>12}{:>12}{:>12}",
            l.tax, l.rate, l.net, l.tax, l.gross
        );
        rows.push(text(head, Style::Normal, Align::Left));
        for t in &r.taxes {
            let s = |v: i64| {
                if r.kind == ReceiptKind::Refund {
                    r.amount(-v)
                } else {
                    r.amount(v)
                }
            };
            rows.push(text(
                format!(
                    "{:<4}{:>8}{:>12}{:>12}{:>12}",
                    t.letter,
                    r.rate(t.rate_bp),
                    s(t.net_minor),
                    s(t.tax_minor),
                    s(t.gross_minor)
                ),
                Style::Normal,
                Align::Left,
            ));
        }
    }
    rows.push(Row::Rule);
    for f in &r.footer_lines {
        for line in wrap(f, w) {
            rows.push(text(line, Style::Normal, Align::Center));
        }
    }
    rows.push(Row::Barcode(r.number.clone()));
    rows.push(text(r.number.clone(), Style::Normal, Align::Center));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_columns_fill_the_width_and_cut_the_left() {
        assert_eq!(two_columns("Tea", "2.50", 12), "Tea     2.50");
        assert_eq!(
            two_columns("A very long product name", "2.50", 12),
            "A very  2.50"
        );
        assert_eq!(two_columns("x", "y", 12).chars().count(), 12);
    }

    #[test]
    fn wrapping_keeps_words_and_cuts_only_giants() {
        assert_eq!(
            wrap("oat milk barista edition", 10),
            vec!["oat milk", "barista", "edition"]
        );
        assert_eq!(wrap("abcdefghijkl", 5), vec!["abcde", "fghij", "kl"]);
        assert_eq!(wrap("", 5), vec![""]);
    }
}
