//! Customers as CSV: import (checked row by row, all or nothing) and export.
//!
//! Columns: `name,email,phone,tags,marketing_consent,notes,street,postal_code,city,country`;
//! `name` is required. Tags are separated by `|`; the address columns make the primary
//! billing address. A row whose email belongs to a customer updates that customer (its
//! empty cells leave fields as they are); other rows add customers.

use crate::customers::{self, Address, AuditMode, CustomerData};
use crate::foundation::import::{
    ImportReport, RowError, finish, parse_flag, read, write_row, write_text_row,
};
use crate::foundation::write::{AuditInput, WriteTx};
use kassa_domain::Result;
use rusqlite::Connection;
use serde_json::json;
use std::collections::HashMap;

/// The columns, in export order.
pub const COLUMNS: [&str; 10] = [
    "name",
    "email",
    "phone",
    "tags",
    "marketing_consent",
    "notes",
    "street",
    "postal_code",
    "city",
    "country",
];

/// Checks every row and, unless `dry_run` or any row is bad, writes them all.
pub fn import(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    text: &str,
    dry_run: bool,
) -> Result<ImportReport> {
    let mut errors: Vec<RowError> = Vec::new();
    let table = read(text, &COLUMNS, &["name"], &mut errors)?;
    // Each row: the customer it updates (with its fields before) or none, and its fields.
    let mut planned: Vec<(Option<(String, CustomerData)>, CustomerData)> = Vec::new();
    let mut emails: HashMap<String, u64> = HashMap::new();
    for (line, row) in &table.rows {
        let line = *line;
        let cell = |c: &str| table.cell(row, c).map(str::trim).filter(|v| !v.is_empty());
        table.refuse_card_numbers(
            row,
            line,
            &[
                "name",
                "email",
                "phone",
                "tags",
                "notes",
                "street",
                "postal_code",
                "city",
                "country",
            ],
            &mut errors,
        );
        let mut bad = |column: &str, message: String| {
            errors.push(RowError {
                line,
                column: Some(column.to_string()),
                message,
            });
        };
        let email = cell("email").map(str::to_string);
        let existing = match &email {
            Some(e) => customers::by_email(tx, store_id, e)?,
            None => None,
        };
        if let Some(e) = &email {
            match emails.get(&e.to_lowercase()) {
                Some(first) => bad("email", format!("{e} is already on line {first}")),
                None => {
                    emails.insert(e.to_lowercase(), line);
                }
            }
        }
        let existing = match existing {
            Some(id) => {
                let data = customers::get(tx, store_id, &id)?.data;
                Some((id, data))
            }
            None => None,
        };
        let mut d = match &existing {
            Some((_, data)) => data.clone(),
            None => CustomerData::default(),
        };
        if let Some(n) = cell("name") {
            d.name = n.to_string();
        }
        if email.is_some() {
            d.email = email.clone();
        }
        if let Some(p) = cell("phone") {
            d.phone = Some(p.to_string());
        }
        if let Some(t) = cell("tags") {
            d.tags = t
                .split('|')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect();
        }
        if let Some(c) = cell("marketing_consent") {
            match parse_flag(c) {
                Ok(b) => d.marketing_consent = b,
                Err(m) => bad("marketing_consent", m),
            }
        }
        if let Some(n) = cell("notes") {
            d.notes = n.to_string();
        }
        let street = cell("street");
        let (pc, city, country) = (cell("postal_code"), cell("city"), cell("country"));
        if street.is_some() || pc.is_some() || city.is_some() || country.is_some() {
            let a = Address {
                kind: "billing".into(),
                line1: street.unwrap_or("").to_string(),
                line2: String::new(),
                postal_code: pc.unwrap_or("").to_string(),
                city: city.unwrap_or("").to_string(),
                country: country.unwrap_or("").to_string(),
                is_primary: true,
            };
            d.addresses.retain(|x| !x.is_primary);
            d.addresses.insert(0, a);
        }
        match customers::validate(&d) {
            Ok(d) => planned.push((existing, d)),
            Err(e) => {
                let column = [
                    "name",
                    "email",
                    "phone",
                    "tag",
                    "street",
                    "postal code",
                    "city",
                    "country",
                    "notes",
                ]
                .into_iter()
                .find(|c| e.message.contains(c))
                .map(|c| match c {
                    "tag" => "tags",
                    "postal code" => "postal_code",
                    other => other,
                });
                errors.push(RowError {
                    line,
                    column: column.map(str::to_string),
                    message: e.message,
                });
            }
        }
    }
    errors.sort_by_key(|e| e.line);
    let mut report = ImportReport {
        rows: table.rows.len() as u64 + errors.iter().filter(|e| e.column.is_none()).count() as u64,
        dry_run,
        errors,
        ..Default::default()
    };
    // A dry run counts what the import would do, by the same comparison the update makes.
    for (existing, d) in &planned {
        match existing {
            None => report.created += 1,
            Some((_, before)) if customers::changed_fields(before, d).is_empty() => {
                report.unchanged += 1
            }
            Some(_) => report.updated += 1,
        }
    }
    if dry_run || !report.errors.is_empty() {
        return Ok(report);
    }
    let (mut created, mut updated, mut unchanged) = (0, 0, 0);
    for (existing, d) in planned {
        match existing {
            None => {
                customers::create(tx, store_id, actor_id, &d, AuditMode::Batch)?;
                created += 1;
            }
            Some((id, _)) => {
                if customers::update(tx, store_id, actor_id, &id, &d)?.is_empty() {
                    unchanged += 1;
                } else {
                    updated += 1;
                }
            }
        }
    }
    report.created = created;
    report.updated = updated;
    report.unchanged = unchanged;
    report.applied = true;
    tx.audit(
        AuditInput::new("customers.imported")
            .by(actor_id)
            .on("store", store_id)
            .after(json!({"rows": report.rows, "created": created, "updated": updated})),
    )?;
    Ok(report)
}

/// Every customer (merged duplicates left out) as CSV in the import's columns, by name.
pub fn export(conn: &Connection, store_id: &str) -> Result<(String, u64)> {
    let mut w = csv::Writer::from_writer(Vec::new());
    write_row(&mut w, &COLUMNS.map(String::from))?;
    let mut n = 0;
    let mut offset = 0;
    loop {
        let page = customers::search(conn, store_id, "", 500, offset)?;
        if page.is_empty() {
            break;
        }
        offset += 500;
        for c in page {
            let a = c.data.addresses.iter().find(|a| a.is_primary);
            let cells = vec![
                c.data.name,
                c.data.email.unwrap_or_default(),
                c.data.phone.unwrap_or_default(),
                c.data.tags.join("|"),
                if c.data.marketing_consent {
                    "yes"
                } else {
                    "no"
                }
                .to_string(),
                c.data.notes,
                a.map(|a| a.line1.clone()).unwrap_or_default(),
                a.map(|a| a.postal_code.clone()).unwrap_or_default(),
                a.map(|a| a.city.clone()).unwrap_or_default(),
                a.map(|a| a.country.clone()).unwrap_or_default(),
            ];
            // Every column is text (a phone number starting with + too).
            write_text_row(&mut w, &cells, &[])?;
            n += 1;
        }
    }
    Ok((finish(w)?, n))
}
