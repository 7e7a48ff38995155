//! The catalog as CSV: import (checked row by row, all or nothing) and export.
//!
//! Columns: `sku,name,price,barcodes,category,tax_class,cost,kind,stock_tracked,active,
//! description,parent_sku,variant,low_stock_threshold`. `sku`, `name` and `price` are
//! required columns. Prices are in major units of the store's currency (`2.49`). Barcodes
//! are separated by `|`; a category is a path like `Drinks > Coffee` and is made if
//! missing; a tax class is named and must exist. A row whose SKU exists updates that
//! product: its empty cells leave fields as they are.

use crate::SqlResult;
use crate::catalog::{self, AuditMode, ProductData};
use crate::foundation::import::{
    ImportReport, RowError, Table, finish, parse_amount, parse_flag, read, write_row,
    write_text_row,
};
use crate::foundation::write::{AuditInput, WriteTx};
use kassa_domain::Result;
use kassa_domain::catalog::{ProductKind, classify_barcode, validate_sku, validate_text};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;
use std::collections::HashMap;

/// The columns, in export order.
pub const COLUMNS: [&str; 14] = [
    "sku",
    "name",
    "price",
    "barcodes",
    "category",
    "tax_class",
    "cost",
    "kind",
    "stock_tracked",
    "active",
    "description",
    "parent_sku",
    "variant",
    "low_stock_threshold",
];

struct Planned {
    line: u64,
    existing: Option<String>,
    /// The product's fields before the import, when the row updates one.
    before: Option<ProductData>,
    data: ProductData,
    codes: Vec<(String, kassa_domain::catalog::BarcodeKind)>,
    category_path: Option<String>,
    parent_sku: Option<String>,
}

fn err(errors: &mut Vec<RowError>, line: u64, column: &str, message: impl Into<String>) {
    errors.push(RowError {
        line,
        column: Some(column.to_string()),
        message: message.into(),
    });
}

fn existing_by_sku(conn: &Connection, store_id: &str, sku: &str) -> Result<Option<String>> {
    conn.prepare_cached("SELECT id FROM products WHERE store_id = ?1 AND sku = ?2 COLLATE NOCASE")
        .db()?
        .query_row(params![store_id, sku], |r| r.get(0))
        .optional()
        .db()
}

/// Checks every row of `text` and, unless `dry_run` or any row is bad, writes them all in
/// the caller's transaction. `exponent` is the store currency's number of decimals.
pub fn import(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    text: &str,
    exponent: u8,
    dry_run: bool,
) -> Result<ImportReport> {
    let mut errors = Vec::new();
    let table = read(text, &COLUMNS, &["sku", "name", "price"], &mut errors)?;
    let tax_by_name: HashMap<String, String> = catalog::tax_classes(tx, store_id)?
        .into_iter()
        .map(|t| (t.name.to_lowercase(), t.id))
        .collect();
    let mut sku_lines: HashMap<String, u64> = HashMap::new();
    let mut code_lines: HashMap<String, (u64, String)> = HashMap::new();
    let mut planned: Vec<Planned> = Vec::new();
    for (line, row) in &table.rows {
        let line = *line;
        let before = errors.len();
        if let Some(p) = plan_row(
            tx,
            store_id,
            &table,
            row,
            line,
            exponent,
            &tax_by_name,
            &mut errors,
        )? {
            let key = p.data.sku.to_lowercase();
            if let Some(first) = sku_lines.get(&key) {
                err(
                    &mut errors,
                    line,
                    "sku",
                    format!("SKU {} is already on line {first}", p.data.sku),
                );
            } else {
                sku_lines.insert(key, line);
            }
            for code in &p.data.barcodes {
                if let Some((first, sku)) = code_lines.get(code) {
                    if sku != &p.data.sku.to_lowercase() {
                        err(
                            &mut errors,
                            line,
                            "barcodes",
                            format!("barcode {code} is already on line {first}"),
                        );
                    }
                } else {
                    code_lines.insert(code.clone(), (line, p.data.sku.to_lowercase()));
                }
            }
            if errors.len() == before {
                planned.push(p);
            }
        }
    }
    // Variants must name a main product that exists or comes earlier in the file.
    let mut new_skus: HashMap<String, bool> = HashMap::new();
    for p in &planned {
        if let Some(parent) = &p.parent_sku {
            let in_file = new_skus.get(&parent.to_lowercase());
            let in_store = existing_by_sku(tx, store_id, parent)?;
            let store_parent_is_variant = match &in_store {
                Some(id) => catalog::get(tx, store_id, id)?.data.parent_id.is_some(),
                None => false,
            };
            if in_file == Some(&true) || (in_file.is_none() && store_parent_is_variant) {
                err(
                    &mut errors,
                    p.line,
                    "parent_sku",
                    format!("{parent} is itself a variant"),
                );
            } else if in_file.is_none() && in_store.is_none() {
                err(
                    &mut errors,
                    p.line,
                    "parent_sku",
                    format!(
                        "no product with SKU {parent} (it must exist or come earlier in the file)"
                    ),
                );
            }
        }
        new_skus.insert(p.data.sku.to_lowercase(), p.parent_sku.is_some());
    }
    errors.sort_by_key(|e| e.line);
    let mut report = ImportReport {
        rows: table.rows.len() as u64 + errors.iter().filter(|e| e.column.is_none()).count() as u64,
        dry_run,
        ..Default::default()
    };
    report.errors = errors;
    if !report.errors.is_empty() {
        return Ok(report);
    }
    if dry_run {
        // What the import would do, by the comparison its update makes.
        for p in &planned {
            match &p.before {
                None => report.created += 1,
                Some(before) => match resolved(tx, store_id, p)? {
                    Some(after) if catalog::changed_fields(before, &after).is_empty() => {
                        report.unchanged += 1
                    }
                    _ => report.updated += 1,
                },
            }
        }
        return Ok(report);
    }
    let mut categories: HashMap<String, Option<String>> = HashMap::new();
    let mut ids: HashMap<String, String> = HashMap::new();
    let (mut created, mut updated, mut unchanged) = (0, 0, 0);
    let mut search = catalog::SearchBatch::default();
    for mut p in planned {
        if let Some(path) = &p.category_path {
            let id = match categories.get(&path.to_lowercase()) {
                Some(id) => id.clone(),
                None => {
                    let id = catalog::ensure_category_path(tx, store_id, actor_id, path)?;
                    categories.insert(path.to_lowercase(), id.clone());
                    id
                }
            };
            p.data.category_id = id;
        }
        if let Some(parent) = &p.parent_sku {
            p.data.parent_id = match ids.get(&parent.to_lowercase()) {
                Some(id) => Some(id.clone()),
                None => existing_by_sku(tx, store_id, parent)?,
            };
        }
        let id = match &p.existing {
            None => {
                created += 1;
                let path = p
                    .category_path
                    .clone()
                    .filter(|_| p.data.category_id.is_some());
                catalog::insert_valid(
                    tx,
                    store_id,
                    actor_id,
                    p.data.clone(),
                    &p.codes,
                    path,
                    AuditMode::Batch,
                    Some(&mut search),
                )?
                .id
            }
            Some(id) => {
                if catalog::update(tx, store_id, actor_id, id, &p.data)?.is_empty() {
                    unchanged += 1;
                } else {
                    updated += 1;
                }
                id.clone()
            }
        };
        ids.insert(p.data.sku.to_lowercase(), id);
    }
    search.finish(tx)?;
    report.created = created;
    report.updated = updated;
    report.unchanged = unchanged;
    report.applied = true;
    tx.audit(
        AuditInput::new("catalog.imported")
            .by(actor_id)
            .on("store", store_id)
            .after(json!({"rows": report.rows, "created": created, "updated": updated, "unchanged": unchanged})),
    )?;
    Ok(report)
}

/// A planned row's fields with its category and main product resolved as the import
/// would, without writing; `None` when it would make a new category or refer to a product
/// this file creates (so the row changes something).
fn resolved(conn: &Connection, store_id: &str, p: &Planned) -> Result<Option<ProductData>> {
    let mut data = p.data.clone();
    if let Some(path) = &p.category_path {
        match catalog::find_category_path(conn, store_id, path)? {
            Some(id) => data.category_id = id,
            None => return Ok(None),
        }
    }
    if let Some(parent) = &p.parent_sku {
        match existing_by_sku(conn, store_id, parent)? {
            Some(id) => data.parent_id = Some(id),
            None => return Ok(None),
        }
    }
    Ok(Some(data))
}

#[allow(clippy::too_many_arguments)]
fn plan_row(
    conn: &Connection,
    store_id: &str,
    table: &Table,
    row: &csv::StringRecord,
    line: u64,
    exponent: u8,
    tax_by_name: &HashMap<String, String>,
    errors: &mut Vec<RowError>,
) -> Result<Option<Planned>> {
    let cell = |c: &str| table.cell(row, c).map(str::trim).filter(|v| !v.is_empty());
    let errors_before = errors.len();
    table.refuse_card_numbers(
        row,
        line,
        &["name", "description", "variant", "category"],
        errors,
    );
    let sku = match validate_sku(cell("sku").unwrap_or("")) {
        Ok(s) => s,
        Err(e) => {
            err(errors, line, "sku", e.message);
            return Ok(None);
        }
    };
    let existing = existing_by_sku(conn, store_id, &sku)?;
    let before = match &existing {
        Some(id) => Some(catalog::get(conn, store_id, id)?.data),
        None => None,
    };
    let mut data = before
        .clone()
        .unwrap_or_else(|| ProductData::new(&sku, "", 0));
    data.sku = sku.clone();
    match cell("name") {
        Some(n) => match validate_text(n, "name", 200, true) {
            Ok(n) => data.name = n,
            Err(e) => err(errors, line, "name", e.message),
        },
        None if existing.is_none() => err(errors, line, "name", "a new product needs a name"),
        None => {}
    }
    match cell("price") {
        Some(p) => match parse_amount(p, exponent) {
            Ok(v) => data.price_minor = v,
            Err(m) => err(errors, line, "price", m),
        },
        None if existing.is_none() => err(errors, line, "price", "a new product needs a price"),
        None => {}
    }
    if let Some(c) = cell("cost") {
        match parse_amount(c, exponent) {
            Ok(v) => data.cost_minor = Some(v),
            Err(m) => err(errors, line, "cost", m),
        }
    }
    if let Some(codes) = cell("barcodes") {
        let mut list = Vec::new();
        for raw in codes.split('|').map(str::trim).filter(|c| !c.is_empty()) {
            match classify_barcode(raw) {
                Ok((code, _)) => list.push(code),
                Err(e) => err(errors, line, "barcodes", e.message),
            }
        }
        data.barcodes = list;
    }
    let mut category_path = None;
    if let Some(path) = cell("category") {
        let parts: Vec<&str> = path.split('>').map(str::trim).collect();
        match parts
            .iter()
            .find_map(|p| validate_text(p, "category name", 80, true).err())
        {
            Some(e) => err(errors, line, "category", e.message),
            None => category_path = Some(parts.join(" > ")),
        }
    }
    if let Some(t) = cell("tax_class") {
        match tax_by_name.get(&t.to_lowercase()) {
            Some(id) => data.tax_class_id = Some(id.clone()),
            None => err(
                errors,
                line,
                "tax_class",
                format!("no tax class called '{t}'; create it first"),
            ),
        }
    }
    if let Some(k) = cell("kind") {
        match ProductKind::parse(k) {
            Ok(k) => {
                data.kind = k;
                if k == ProductKind::Service {
                    data.stock_tracked = false;
                }
            }
            Err(e) => err(errors, line, "kind", e.message),
        }
    }
    for (col, field) in [("stock_tracked", 0), ("active", 1)] {
        if let Some(v) = cell(col) {
            match parse_flag(v) {
                Ok(b) if field == 0 => data.stock_tracked = b && data.kind == ProductKind::Product,
                Ok(b) => data.active = b,
                Err(m) => err(errors, line, col, m),
            }
        }
    }
    if let Some(d) = cell("description") {
        match validate_text(d, "description", 4000, false) {
            Ok(d) => data.description = d,
            Err(e) => err(errors, line, "description", e.message),
        }
    }
    if let Some(v) = cell("variant") {
        match validate_text(v, "variant", 100, false) {
            Ok(v) => data.variant = v,
            Err(e) => err(errors, line, "variant", e.message),
        }
    }
    let parent_sku = cell("parent_sku").map(str::to_string);
    if parent_sku
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case(&sku))
    {
        err(
            errors,
            line,
            "parent_sku",
            "a product cannot be a variant of itself",
        );
    }
    if parent_sku.is_some() && data.variant.is_empty() {
        err(
            errors,
            line,
            "variant",
            "a variant needs a label that tells it apart, e.g. 'M / blue'",
        );
    }
    if let Some(t) = cell("low_stock_threshold") {
        match t.parse::<i64>() {
            Ok(v) if (0..=kassa_domain::stock::MAX_QTY).contains(&v) => {
                data.low_threshold = Some(v)
            }
            _ => err(
                errors,
                line,
                "low_stock_threshold",
                format!("'{t}' is not a whole number of 0 or more"),
            ),
        }
    }
    if errors.len() > errors_before {
        return Ok(None);
    }
    // The rules every product meets (uniqueness of SKU and barcodes in the store, lengths,
    // amounts) are the catalog's own; category and main product are resolved on writing.
    let (category_id, parent_id) = (data.category_id.take(), data.parent_id.take());
    let (mut data, codes) = match catalog::validate(conn, store_id, existing.as_deref(), &data) {
        Ok(v) => v,
        Err(e) => {
            let column = if e.message.contains("barcode") {
                "barcodes"
            } else if e.message.contains("SKU") {
                "sku"
            } else if e.message.contains("price") {
                "price"
            } else if e.message.contains("cost") {
                "cost"
            } else {
                "name"
            };
            err(errors, line, column, e.message);
            return Ok(None);
        }
    };
    data.category_id = category_id;
    data.parent_id = parent_id;
    Ok(Some(Planned {
        line,
        existing,
        before,
        data,
        codes,
        category_path,
        parent_sku,
    }))
}

/// Every product of the store as CSV in the import's columns, main products before
/// variants, by SKU; and the row count. Without `include_cost` the cost column is empty.
pub fn export(
    conn: &Connection,
    store_id: &str,
    exponent: u8,
    include_cost: bool,
) -> Result<(String, u64)> {
    let paths: HashMap<String, String> = catalog::categories(conn, store_id)?
        .into_iter()
        .map(|c| (c.id, c.path))
        .collect();
    let taxes: HashMap<String, String> = catalog::tax_classes(conn, store_id)?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    write_row(&mut w, &COLUMNS.map(String::from))?;
    let mut st = conn
        .prepare(
            "SELECT p.sku, p.name, p.price_minor,
                    (SELECT group_concat(code, '|') FROM (SELECT code FROM product_barcodes b
                       WHERE b.product_id = p.id ORDER BY b.created_at, b.code)),
                    p.category_id, p.tax_class_id, p.cost_minor, p.kind, p.stock_tracked, p.active,
                    p.description, parent.sku, p.variant, p.low_threshold
             FROM products p LEFT JOIN products parent ON parent.id = p.parent_id
             WHERE p.store_id = ?1 ORDER BY p.parent_id IS NOT NULL, p.sku COLLATE NOCASE",
        )
        .db()?;
    let money = |m: i64| kassa_domain::money::format_minor(m, exponent);
    let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
    let mut rows = st.query([store_id]).db()?;
    let mut n = 0;
    while let Some(r) = rows.next().db()? {
        let category: Option<String> = r.get(4).db()?;
        let tax: Option<String> = r.get(5).db()?;
        let cost: Option<i64> = r.get(6).db()?;
        let low: Option<i64> = r.get(13).db()?;
        let cells = vec![
            r.get::<_, String>(0).db()?,
            r.get::<_, String>(1).db()?,
            money(r.get(2).db()?),
            r.get::<_, Option<String>>(3).db()?.unwrap_or_default(),
            category
                .and_then(|c| paths.get(&c).cloned())
                .unwrap_or_default(),
            tax.and_then(|t| taxes.get(&t).cloned()).unwrap_or_default(),
            cost.filter(|_| include_cost).map(money).unwrap_or_default(),
            r.get::<_, String>(7).db()?,
            yes(r.get(8).db()?),
            yes(r.get(9).db()?),
            r.get::<_, String>(10).db()?,
            r.get::<_, Option<String>>(11).db()?.unwrap_or_default(),
            r.get::<_, String>(12).db()?,
            low.map(|v| v.to_string()).unwrap_or_default(),
        ];
        // price, cost and low_stock_threshold are numbers; every other cell is text.
        write_text_row(&mut w, &cells, &[2, 6, 13])?;
        n += 1;
    }
    Ok((finish(w)?, n))
}
