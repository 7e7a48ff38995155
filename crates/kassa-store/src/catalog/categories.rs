//! The category tree and category paths.

use super::*;
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use crate::{SqlResult, sql_err};
use kassa_domain::catalog::validate_text;
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;
use std::collections::HashMap;

// ---------------------------------------------------------------- categories

/// Every category of the store, each with its path, sorted by path.
pub fn categories(conn: &Connection, store_id: &str) -> Result<Vec<Category>> {
    let mut st = conn
        .prepare_cached("SELECT id, parent_id, name FROM categories WHERE store_id = ?1")
        .db()?;
    let rows: Vec<(String, Option<String>, String)> = st
        .query_map([store_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    let by_id: HashMap<&str, (Option<&str>, &str)> = rows
        .iter()
        .map(|(id, p, n)| (id.as_str(), (p.as_deref(), n.as_str())))
        .collect();
    let mut out: Vec<Category> = rows
        .iter()
        .map(|(id, parent, name)| {
            let mut parts = vec![name.as_str()];
            let mut cur = parent.as_deref();
            // The tree is at most as deep as it has nodes; the bound stops a damaged cycle.
            for _ in 0..rows.len() {
                let Some(pid) = cur else { break };
                let Some((pp, pn)) = by_id.get(pid) else {
                    break;
                };
                parts.push(pn);
                cur = *pp;
            }
            parts.reverse();
            Category {
                id: id.clone(),
                parent_id: parent.clone(),
                name: name.clone(),
                path: parts.join(" > "),
            }
        })
        .collect();
    out.sort_by_key(|c| c.path.to_lowercase());
    Ok(out)
}

/// The path of one category, walking up its parents (a handful of indexed reads).
pub(super) fn category_path(conn: &Connection, store_id: &str, id: &str) -> Result<String> {
    let mut st = conn
        .prepare_cached("SELECT parent_id, name FROM categories WHERE id = ?1 AND store_id = ?2")
        .db()?;
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(id.to_string());
    while let Some(c) = cur {
        let (parent, name): (Option<String>, String) = st
            .query_row(params![c, store_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .db()?
            .ok_or_else(|| Error::not_found(format!("no category with id {c}")))?;
        parts.push(name);
        // A damaged cycle must not hang the till.
        if parts.len() > 64 {
            break;
        }
        cur = parent;
    }
    parts.reverse();
    Ok(parts.join(" > "))
}

/// Adds a category under `parent_id` (or at the top); names are unique among siblings.
pub fn create_category(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    name: &str,
    parent_id: Option<&str>,
) -> Result<String> {
    let name = validate_text(name, "category name", 80, true)?;
    if name.contains('>') {
        return Err(Error::invalid_input(
            "a category name may not contain '>' (it separates levels in paths)",
        ));
    }
    if let Some(p) = parent_id {
        category_path(tx, store_id, p)?;
    }
    let exists: Option<String> = tx
        .query_row(
            "SELECT id FROM categories WHERE store_id = ?1 AND ifnull(parent_id, '') = ifnull(?2, '')
             AND name = ?3 COLLATE NOCASE",
            params![store_id, parent_id, name],
            |r| r.get(0),
        )
        .optional()
        .db()?;
    if exists.is_some() {
        return Err(Error::already_exists(format!(
            "there is already a category '{name}' there"
        )));
    }
    let id = new_id();
    let now = tx.now_ts();
    tx.execute(
        "INSERT INTO categories (id, store_id, parent_id, name, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![id, store_id, parent_id, name, now],
    )
    .db()?;
    let after = json!({"store_id": store_id, "parent_id": parent_id, "name": name});
    tx.record_change("categories", &id, ChangeOp::Upsert, &after)?;
    tx.audit(
        AuditInput::new("category.created")
            .by(actor_id)
            .on("category", &id)
            .after(after),
    )?;
    Ok(id)
}

/// Renames a category; every product under it is re-indexed for search.
pub fn rename_category(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    id: &str,
    name: &str,
) -> Result<()> {
    let name = validate_text(name, "category name", 80, true)?;
    if name.contains('>') {
        return Err(Error::invalid_input("a category name may not contain '>'"));
    }
    let before = categories(tx, store_id)?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| Error::not_found(format!("no category with id {id}")))?;
    if before.name == name {
        return Ok(());
    }
    tx.execute(
        "UPDATE categories SET name = ?1, updated_at = ?2 WHERE id = ?3",
        params![name, tx.now_ts(), id],
    )
    .map_err(|e| match sql_err(e) {
        err if err.code == ErrorCode::Conflict => {
            Error::already_exists(format!("there is already a category '{name}' there"))
        }
        err => err,
    })?;
    tx.record_change("categories", id, ChangeOp::Upsert, &json!({"name": name}))?;
    tx.audit(
        AuditInput::new("category.renamed")
            .by(actor_id)
            .on("category", id)
            .before(json!({"name": before.name}))
            .after(json!({"name": name})),
    )?;
    // Products in this category or below it carry the old path in the index.
    let cats = categories(tx, store_id)?;
    let affected: Vec<&Category> = cats
        .iter()
        .filter(|c| c.id == id || c.path.starts_with(&format!("{} > ", cats_path(&cats, id))))
        .collect();
    for c in affected {
        let nums: Vec<i64> = tx
            .prepare_cached("SELECT num FROM products WHERE category_id = ?1")
            .db()?
            .query_map([&c.id], |r| r.get(0))
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?;
        for num in nums {
            let p = get_by_num(tx, num)?;
            reindex(tx, &p, false)?;
        }
    }
    Ok(())
}

pub(super) fn cats_path(cats: &[Category], id: &str) -> String {
    cats.iter()
        .find(|c| c.id == id)
        .map(|c| c.path.clone())
        .unwrap_or_default()
}

/// The category at `path` (`Drinks > Coffee`) as [`ensure_category_path`] finds it, without
/// creating anything: `None` when a level is missing.
pub fn find_category_path(
    conn: &Connection,
    store_id: &str,
    path: &str,
) -> Result<Option<Option<String>>> {
    let mut parent: Option<String> = None;
    for part in path.split('>').map(str::trim).filter(|p| !p.is_empty()) {
        match category_child(conn, store_id, parent.as_deref(), part)? {
            Some(id) => parent = Some(id),
            None => return Ok(None),
        }
    }
    Ok(Some(parent))
}

pub(super) fn category_child(
    conn: &Connection,
    store_id: &str,
    parent: Option<&str>,
    name: &str,
) -> Result<Option<String>> {
    conn.prepare_cached(
        "SELECT id FROM categories WHERE store_id = ?1 AND ifnull(parent_id, '') = ifnull(?2, '')
         AND name = ?3 COLLATE NOCASE",
    )
    .db()?
    .query_row(params![store_id, parent, name], |r| r.get(0))
    .optional()
    .db()
}

/// The category at `path` (`Drinks > Coffee`), creating missing levels.
pub fn ensure_category_path(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    path: &str,
) -> Result<Option<String>> {
    let mut parent: Option<String> = None;
    for part in path.split('>').map(str::trim).filter(|p| !p.is_empty()) {
        let found = category_child(tx, store_id, parent.as_deref(), part)?;
        parent = Some(match found {
            Some(id) => id,
            None => create_category(tx, store_id, actor_id, part, parent.as_deref())?,
        });
    }
    Ok(parent)
}
