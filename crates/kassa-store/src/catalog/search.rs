//! Full-text search over the catalog (`product_search`).

use super::*;
use crate::SqlResult;
use kassa_domain::Result;
use rusqlite::{Connection, params};

/// What to search and how many.
#[derive(Debug, Clone, Default)]
pub struct SearchOptions {
    pub limit: u32,
    pub offset: u32,
    pub include_inactive: bool,
    pub category_id: Option<String>,
}

/// How many full-text matches a search ranks (see [`search`]).
pub const RANKED: u32 = 400;

/// Turns what a person typed into an FTS5 query: every word must match as a prefix.
/// Each word is quoted, so FTS5 syntax in the input is plain text.
pub fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .take(8)
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    if terms.is_empty() {
        None
    } else {
        Some(terms.join(" "))
    }
}

/// Products matching `query` (prefix words over name, SKU, barcodes and category; accents
/// ignored), an exact barcode or SKU first; all products by name when the query is empty.
pub fn search(
    conn: &Connection,
    store_id: &str,
    query: &str,
    opts: &SearchOptions,
) -> Result<Vec<Product>> {
    let limit = i64::from(opts.limit.clamp(1, 500));
    let offset = i64::from(opts.offset);
    let q = query.trim();
    let mut out: Vec<Product> = Vec::new();
    if q.is_empty() {
        let mut st = conn
            .prepare_cached(&format!(
                "SELECT {COLS} FROM products p WHERE p.store_id = ?1 AND (?2 OR p.active = 1)
                 AND (?3 IS NULL OR p.category_id = ?3)
                 ORDER BY p.name COLLATE NOCASE, p.variant LIMIT ?4 OFFSET ?5"
            ))
            .db()?;
        out = st
            .query_map(
                params![
                    store_id,
                    opts.include_inactive,
                    opts.category_id,
                    limit,
                    offset
                ],
                product_from_row,
            )
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?;
        return fill(conn, store_id, out);
    }
    if offset == 0
        && let Some(id) = product_id_by_code(conn, store_id, q)?
    {
        let p = conn
            .prepare_cached(&format!("SELECT {COLS} FROM products p WHERE p.id = ?1"))
            .db()?
            .query_row([&id], product_from_row)
            .db()?;
        if (opts.include_inactive || p.data.active)
            && opts
                .category_id
                .as_ref()
                .is_none_or(|c| p.data.category_id.as_ref() == Some(c))
        {
            out.push(p);
        }
    }
    if let Some(m) = fts_query(q) {
        // CROSS JOIN keeps the matches as the outer loop (the planner otherwise walks every
        // product of the store). Ranking every match of a short prefix ("co") in a large catalog costs tens of
        // milliseconds; ranking the first RANKED matches keeps typing fast, and each further
        // letter narrows the matches until all of them are ranked.
        let mut st = conn
            .prepare_cached(&format!(
                "SELECT {COLS} FROM (SELECT rowid, rank FROM product_search WHERE product_search MATCH ?1
                                      LIMIT {RANKED}) s
                 CROSS JOIN products p ON p.num = s.rowid
                 WHERE p.store_id = ?2 AND (?3 OR p.active = 1) AND (?4 IS NULL OR p.category_id = ?4)
                 ORDER BY s.rank LIMIT ?5 OFFSET ?6"
            ))
            .db()?;
        let rows = st
            .query_map(
                params![
                    m,
                    store_id,
                    opts.include_inactive,
                    opts.category_id,
                    limit,
                    offset
                ],
                product_from_row,
            )
            .db()?;
        for r in rows {
            let p = r.db()?;
            if !out.iter().any(|o| o.id == p.id) {
                out.push(p);
            }
        }
    }
    out.truncate(usize::try_from(limit).unwrap_or(50));
    fill(conn, store_id, out)
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn typed_words_become_quoted_prefix_terms() {
        assert_eq!(fts_query("cafe"), Some("\"cafe\"*".into()));
        assert_eq!(fts_query(" oat  MILK "), Some("\"oat\"* \"MILK\"*".into()));
        assert_eq!(fts_query("a\"b OR"), Some("\"a\"\"b\"* \"OR\"*".into()));
        assert_eq!(fts_query("- * "), None);
    }
}
