//! What CSV imports share: the report, row errors with line numbers, and cell parsing.
//!
//! An import checks every row first. If any row is bad, or it is a dry run, nothing is
//! written and the report lists every bad row with its line number and the reason.

use kassa_domain::{Error, Result};

/// One bad row (or cell) of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The line in the file, counting the header as line 1.
    pub line: u64,
    /// The column, when one cell is at fault.
    pub column: Option<String>,
    pub message: String,
}

/// What an import did, or would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Data rows read (not counting the header).
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub errors: Vec<RowError>,
    /// True when nothing was meant to be written.
    pub dry_run: bool,
    /// True when the rows were written.
    pub applied: bool,
}

/// A parsed file: its header (lower-cased) and rows with their line numbers.
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(u64, csv::StringRecord)>,
}

/// The most rows one import takes; bigger files are split by the person importing.
pub const MAX_ROWS: usize = 500_000;

/// Reads CSV text: comma- or semicolon-separated (as spreadsheets in German locales
/// write), with a header row; a byte-order mark is ignored. Malformed rows become errors.
pub fn read(
    text: &str,
    known: &[&str],
    required: &[&str],
    errors: &mut Vec<RowError>,
) -> Result<Table> {
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or_default();
    if first.trim().is_empty() {
        return Err(Error::invalid_input(
            "the file is empty; the first line must name the columns",
        ));
    }
    let delimiter = if first.contains(';') && !first.contains(',') {
        b';'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| Error::invalid_input(format!("the header line cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    for (i, h) in headers.iter().enumerate() {
        if !known.contains(&h.as_str()) {
            return Err(Error::invalid_input(format!(
                "unknown column '{h}' in the header; the columns are: {}",
                known.join(", ")
            )));
        }
        if headers[..i].contains(h) {
            return Err(Error::invalid_input(format!(
                "the column '{h}' appears twice"
            )));
        }
    }
    for r in required {
        if !headers.iter().any(|h| h == r) {
            return Err(Error::invalid_input(format!(
                "the required column '{r}' is missing"
            )));
        }
    }
    let mut rows = Vec::new();
    for rec in rdr.records() {
        match rec {
            Ok(r) => {
                let line = r.position().map(|p| p.line()).unwrap_or(0);
                if r.iter().all(str::is_empty) {
                    continue;
                }
                rows.push((line, r));
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(RowError {
                    line,
                    column: None,
                    message: match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => {
                            format!("the row has {len} cells; the header has {expected_len}")
                        }
                        csv::ErrorKind::Utf8 { .. } => {
                            "the row is not valid UTF-8 text".to_string()
                        }
                        _ => format!("the row cannot be read: {e}"),
                    },
                });
            }
        }
        if rows.len() > MAX_ROWS {
            return Err(Error::invalid_input(format!(
                "the file has more than {MAX_ROWS} rows; split it into smaller files"
            )));
        }
    }
    Ok(Table { headers, rows })
}

impl Table {
    /// The cell of `column` in `row`, or `None` when the file has no such column; without
    /// the quote an export put before it (see [`guard_cell`]).
    pub fn cell<'r>(&self, row: &'r csv::StringRecord, column: &str) -> Option<&'r str> {
        self.headers
            .iter()
            .position(|h| h == column)
            .and_then(|i| row.get(i))
            .map(unguard_cell)
    }
}

impl Table {
    /// Adds an error for each of the free-text `columns` of `row` that holds a card number
    /// (the store would refuse it on writing; the report names the row instead).
    pub fn refuse_card_numbers(
        &self,
        row: &csv::StringRecord,
        line: u64,
        columns: &[&str],
        errors: &mut Vec<RowError>,
    ) {
        for column in columns {
            if self
                .cell(row, column)
                .is_some_and(kassa_domain::pan::looks_like_pan)
            {
                errors.push(RowError {
                    line,
                    column: Some(column.to_string()),
                    message: format!(
                        "the {column} looks like it holds a card number; card numbers are never stored"
                    ),
                });
            }
        }
    }
}

/// What a spreadsheet reads as the start of a formula (OWASP's CSV injection advice).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell as an export writes it: a cell a spreadsheet would run as a formula gets a
/// leading `'`, which spreadsheets show as text. A cell that starts with `'` gets one too,
/// so that [`unguard_cell`] gives every exported text back exactly.
pub fn guard_cell(text: &str) -> String {
    if text.starts_with(FORMULA_START) || text.starts_with('\'') {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// A cell as read: the guard quote of [`guard_cell`] taken off (a `'` followed by a
/// formula character or by another `'`); anything else as it is.
pub fn unguard_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_START) || rest.starts_with('\'') => rest,
        _ => cell,
    }
}

/// Parses a yes/no cell: yes/no, true/false, 1/0, ja/nein, x or empty for no.
pub fn parse_flag(s: &str) -> std::result::Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "ja" | "j" | "x" => Ok(true),
        "no" | "n" | "false" | "0" | "nein" | "" => Ok(false),
        other => Err(format!("'{other}' is not yes or no")),
    }
}

/// Parses an amount in major units (`2.49`, or `2,49` as German spreadsheets write it).
pub fn parse_amount(s: &str, exponent: u8) -> std::result::Result<i64, String> {
    let t = s.trim();
    let t = if t.contains(',') && !t.contains('.') {
        t.replace(',', ".")
    } else {
        t.to_string()
    };
    let v = kassa_domain::money::parse_major(&t, exponent).map_err(|e| e.message)?;
    if v < 0 {
        return Err(format!("'{s}' is negative"));
    }
    Ok(v)
}

/// Writes one CSV line of `cells` (quoting as needed) into `out`, as they are.
pub fn write_row(w: &mut csv::Writer<Vec<u8>>, cells: &[String]) -> Result<()> {
    w.write_record(cells)
        .map_err(|e| Error::internal(format!("writing CSV failed: {e}")))
}

/// Writes one exported line: every cell guarded against formulas ([`guard_cell`]) except
/// those at the indexes in `numbers`, which stay plain numbers.
pub fn write_text_row(
    w: &mut csv::Writer<Vec<u8>>,
    cells: &[String],
    numbers: &[usize],
) -> Result<()> {
    let cells: Vec<String> = cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if numbers.contains(&i) {
                c.clone()
            } else {
                guard_cell(c)
            }
        })
        .collect();
    write_row(w, &cells)
}

/// The finished CSV text of a writer.
pub fn finish(w: csv::Writer<Vec<u8>>) -> Result<String> {
    let bytes = w
        .into_inner()
        .map_err(|e| Error::internal(format!("writing CSV failed: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::internal(format!("CSV is not UTF-8: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_get_a_quote_that_reading_takes_off() {
        for (text, written) in [
            ("=1+1", "'=1+1"),
            ("+49 30 1234567", "'+49 30 1234567"),
            ("-5%", "'-5%"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tTab", "'\tTab"),
            ("\rCR", "'\rCR"),
            ("'quoted'", "''quoted'"),
            ("Oat milk", "Oat milk"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(guard_cell(text), written);
            assert_eq!(unguard_cell(&guard_cell(text)), text);
        }
        // What a person typed keeps its quote unless it guards a formula character.
        assert_eq!(unguard_cell("'Tis"), "'Tis");
        assert_eq!(unguard_cell("'=x"), "=x");
    }
}
