//! Customers as stored: contact data, addresses, consent, tags, search and merging.
//!
//! A merged duplicate is never deleted (other devices may still refer to it): it points at
//! the customer kept (`merged_into`) and leaves the search index. [`resolve`] follows that
//! pointer, for orders and bookings that name an old id.

pub(crate) mod apply;
pub mod csv;
pub mod privacy;

use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
pub use kassa_domain::customer::{Address, CustomerData};
use kassa_domain::{Error, Result};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Map, Value, json};

/// The fields as the outbox and the audit trail record them.
fn to_map(c: &CustomerData) -> Map<String, Value> {
    let v = json!({
        "name": c.name, "email": c.email, "phone": c.phone, "notes": c.notes,
        "marketing_consent": c.marketing_consent, "tags": c.tags,
        "addresses": c.addresses.iter().map(|a| json!({
            "kind": a.kind, "line1": a.line1, "line2": a.line2, "postal_code": a.postal_code,
            "city": a.city, "country": a.country, "is_primary": a.is_primary,
        })).collect::<Vec<_>>(),
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A customer as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub num: i64,
    pub id: String,
    pub data: CustomerData,
    /// When marketing consent was last given or withdrawn.
    pub consent_at: Option<String>,
    pub merged_into: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// When the customer's data was erased on their request (personal fields blank since).
    pub erased_at: Option<String>,
}

pub use kassa_domain::customer::{validate, validate_phone};
pub use kassa_domain::email::validate_email;

/// The customer row's columns, as text for `concat!` (see [`COLS`]).
macro_rules! customer_cols {
    () => {
        "c.num, c.id, c.name, c.email, c.phone, c.notes, c.marketing_consent, c.consent_at, \
         c.tags, c.merged_into, c.created_at, c.updated_at, c.erased_at"
    };
}
const COLS: &str = customer_cols!();

fn from_row(r: &Row<'_>) -> rusqlite::Result<Customer> {
    let tags: String = r.get(8)?;
    Ok(Customer {
        num: r.get(0)?,
        id: r.get(1)?,
        data: CustomerData {
            name: r.get(2)?,
            email: r.get(3)?,
            phone: r.get(4)?,
            notes: r.get(5)?,
            marketing_consent: r.get(6)?,
            tags: serde_json::from_str(&tags).unwrap_or_default(),
            addresses: Vec::new(),
        },
        consent_at: r.get(7)?,
        merged_into: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        erased_at: r.get(12)?,
    })
}

fn addresses(conn: &Connection, customer_id: &str) -> Result<Vec<Address>> {
    conn.prepare_cached(
        "SELECT kind, line1, line2, postal_code, city, country, is_primary FROM customer_addresses
         WHERE customer_id = ?1 ORDER BY is_primary DESC, created_at, id",
    )
    .db()?
    .query_map([customer_id], |r| {
        Ok(Address {
            kind: r.get(0)?,
            line1: r.get(1)?,
            line2: r.get(2)?,
            postal_code: r.get(3)?,
            city: r.get(4)?,
            country: r.get(5)?,
            is_primary: r.get(6)?,
        })
    })
    .db()?
    .collect::<rusqlite::Result<_>>()
    .db()
}

/// The customer with `id` (a merged one too); `not_found` otherwise.
pub fn get(conn: &Connection, store_id: &str, id: &str) -> Result<Customer> {
    let mut c = get_row(conn, store_id, id)?;
    c.data.addresses = addresses(conn, &c.id)?;
    Ok(c)
}

/// [`get`] without the addresses (what the search entry needs).
pub(super) fn get_row(conn: &Connection, store_id: &str, id: &str) -> Result<Customer> {
    conn.prepare_cached(concat!(
        "SELECT ",
        customer_cols!(),
        " FROM customers c WHERE c.id = ?1 AND c.store_id = ?2"
    ))
    .db()?
    .query_row(params![id, store_id], from_row)
    .optional()
    .db()?
    .ok_or_else(|| Error::not_found(format!("no customer with id {id}")))
}

/// The id a customer goes by now: its own, or the one it was merged into.
pub fn resolve(conn: &Connection, store_id: &str, id: &str) -> Result<String> {
    let mut cur = id.to_string();
    for _ in 0..32 {
        let c = get(conn, store_id, &cur)?;
        match c.merged_into {
            Some(next) => cur = next,
            None => return Ok(cur),
        }
    }
    Err(Error::internal("customer merges form a loop"))
}

/// Customers whose name, email, phone or tags start with the typed words (accents
/// ignored); all by name when the query is empty. Merged duplicates are left out.
pub fn search(
    conn: &Connection,
    store_id: &str,
    query: &str,
    limit: u32,
    offset: u32,
) -> Result<Vec<Customer>> {
    let limit = i64::from(limit.clamp(1, 500));
    let offset = i64::from(offset);
    let q = query.trim();
    let mut out: Vec<Customer> = if q.is_empty() {
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM customers c WHERE c.store_id = ?1 AND c.merged_into IS NULL
             AND c.erased_at IS NULL ORDER BY c.name COLLATE NOCASE LIMIT ?2 OFFSET ?3"
        ))
        .db()?
        .query_map(params![store_id, limit, offset], from_row)
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?
    } else {
        // Phone numbers are indexed as typed and as bare digits, so "0176 12" finds "+49 176 12…" too.
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        let text = if digits.len() >= 3
            && q.chars()
                .all(|c| c.is_ascii_digit() || " +-/().".contains(c))
        {
            digits
        } else {
            q.to_string()
        };
        let Some(m) = crate::catalog::fts_query(&text) else {
            return Ok(Vec::new());
        };
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM customer_search s JOIN customers c ON c.num = s.rowid
             WHERE customer_search MATCH ?1 AND c.store_id = ?2 AND c.merged_into IS NULL
             ORDER BY s.rank LIMIT ?3 OFFSET ?4"
        ))
        .db()?
        .query_map(params![m, store_id, limit, offset], from_row)
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?
    };
    for c in &mut out {
        c.data.addresses = addresses(conn, &c.id)?;
    }
    Ok(out)
}

fn phone_digits(p: &str) -> String {
    let d: String = p.chars().filter(char::is_ascii_digit).collect();
    // Also index the national form: +49 176… is dialled 0176… at home.
    match d
        .strip_prefix("49")
        .or_else(|| d.strip_prefix("43"))
        .or_else(|| d.strip_prefix("41"))
    {
        // Written apart with ` / `, so the forms do not read as one long number.
        Some(rest) if p.trim_start().starts_with('+') => format!("{d} / 0{rest}"),
        _ => d,
    }
}

fn reindex(conn: &Connection, c: &Customer, fresh: bool) -> Result<()> {
    if !fresh {
        conn.prepare_cached("DELETE FROM customer_search WHERE rowid = ?1")
            .db()?
            .execute([c.num])
            .db()?;
    }
    if c.merged_into.is_some() || c.erased_at.is_some() {
        return Ok(());
    }
    let phone = c
        .data
        .phone
        .as_deref()
        .map(|p| format!("{p} / {}", phone_digits(p)))
        .unwrap_or_default();
    conn.prepare_cached(
        "INSERT INTO customer_search (rowid, name, email, phone, tags) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .db()?
    .execute(params![
        c.num,
        c.data.name,
        c.data.email.as_deref().unwrap_or(""),
        phone,
        c.data.tags.join(" ")
    ])
    .db()?;
    Ok(())
}

fn write_addresses(tx: &WriteTx<'_>, customer_id: &str, list: &[Address]) -> Result<()> {
    tx.execute(
        "DELETE FROM customer_addresses WHERE customer_id = ?1",
        [customer_id],
    )
    .db()?;
    let now = tx.now_ts();
    let mut st = tx
        .prepare_cached(
            "INSERT INTO customer_addresses (id, customer_id, kind, line1, line2, postal_code, city, country, is_primary, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .db()?;
    for a in list {
        st.execute(params![
            new_id(),
            customer_id,
            a.kind,
            a.line1,
            a.line2,
            a.postal_code,
            a.city,
            a.country,
            a.is_primary,
            now
        ])
        .db()?;
    }
    Ok(())
}

/// How a create is recorded in the audit trail.
pub use crate::catalog::AuditMode;

/// Adds a customer.
pub fn create(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    data: &CustomerData,
    mode: AuditMode,
) -> Result<Customer> {
    let d = validate(data)?;
    let id = new_id();
    let now = tx.now_ts();
    let consent_at = d.marketing_consent.then(|| now.clone());
    tx.prepare_cached(
        "INSERT INTO customers (id, store_id, name, email, phone, notes, marketing_consent, consent_at, tags, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
    )
    .db()?
    .execute(params![
        id,
        store_id,
        d.name,
        d.email,
        d.phone,
        d.notes,
        d.marketing_consent,
        consent_at,
        json!(d.tags).to_string(),
        now
    ])
    .db()?;
    let num = tx.last_insert_rowid();
    write_addresses(tx, &id, &d.addresses)?;
    let c = Customer {
        num,
        id: id.clone(),
        data: d,
        consent_at,
        merged_into: None,
        created_at: now.clone(),
        updated_at: now,
        erased_at: None,
    };
    reindex(tx, &c, true)?;
    let mut payload = to_map(&c.data);
    payload.insert("store_id".into(), json!(store_id));
    payload.insert("consent_at".into(), json!(c.consent_at));
    let payload = Value::Object(payload);
    tx.record_change("customers", &id, ChangeOp::Upsert, &payload)?;
    if mode == AuditMode::PerProduct {
        tx.audit(
            AuditInput::new("customer.created")
                .by(actor_id)
                .on("customer", &id)
                .after(payload),
        )?;
    }
    Ok(c)
}

/// The names of the fields that differ between `before` and `after` (both validated).
pub fn changed_fields(before: &CustomerData, after: &CustomerData) -> Vec<String> {
    let (bm, am) = (to_map(before), to_map(after));
    am.iter()
        .filter(|(k, v)| bm.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}

/// Replaces a customer's fields; records and audits only what changed. A change of consent
/// stamps its date. Returns the changed fields.
pub fn update(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    id: &str,
    data: &CustomerData,
) -> Result<Vec<String>> {
    let before = get(tx, store_id, id)?;
    if before.merged_into.is_some() {
        return Err(Error::invalid_input(
            "this customer was merged into another; edit that one",
        ));
    }
    privacy::refuse_erased(&before)?;
    let d = validate(data)?;
    let (bm, am) = (to_map(&before.data), to_map(&d));
    let changed = changed_fields(&before.data, &d);
    if changed.is_empty() {
        return Ok(changed);
    }
    let now = tx.now_ts();
    let consent_at = if d.marketing_consent != before.data.marketing_consent {
        Some(now.clone())
    } else {
        before.consent_at.clone()
    };
    tx.execute(
        "UPDATE customers SET name = ?2, email = ?3, phone = ?4, notes = ?5, marketing_consent = ?6,
            consent_at = ?7, tags = ?8, updated_at = ?9 WHERE id = ?1",
        params![
            id,
            d.name,
            d.email,
            d.phone,
            d.notes,
            d.marketing_consent,
            consent_at,
            json!(d.tags).to_string(),
            now
        ],
    )
    .db()?;
    if changed.iter().any(|k| k == "addresses") {
        write_addresses(tx, id, &d.addresses)?;
    }
    let after = get(tx, store_id, id)?;
    reindex(tx, &after, false)?;
    let pick = |m: &Map<String, Value>| -> Value {
        Value::Object(
            changed
                .iter()
                .filter_map(|k| m.get(k).map(|v| (k.clone(), v.clone())))
                .collect(),
        )
    };
    let mut payload = pick(&am);
    if changed.iter().any(|k| k == "marketing_consent")
        && let Some(o) = payload.as_object_mut()
    {
        o.insert("consent_at".into(), json!(consent_at));
    }
    tx.record_change("customers", id, ChangeOp::Upsert, &payload)?;
    tx.audit(
        AuditInput::new("customer.updated")
            .by(actor_id)
            .on("customer", id)
            .before(pick(&bm))
            .after(payload),
    )?;
    Ok(changed)
}

/// Merges the duplicate `remove_id` into `keep_id`: the kept customer gains the other's
/// missing contact data, tags, notes and addresses (as non-primary) and the newer consent
/// decision; the duplicate points at the kept one and leaves search. Audited with both.
pub fn merge(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    keep_id: &str,
    remove_id: &str,
) -> Result<Customer> {
    if keep_id == remove_id {
        return Err(Error::invalid_input(
            "a customer cannot be merged into itself",
        ));
    }
    let keep = get(tx, store_id, keep_id)?;
    let gone = get(tx, store_id, remove_id)?;
    for c in [&keep, &gone] {
        privacy::refuse_erased(c)?;
        if c.merged_into.is_some() {
            return Err(Error::invalid_input(format!(
                "{} was already merged into another customer",
                c.data.name
            )));
        }
    }
    let mut d = keep.data.clone();
    if d.email.is_none() {
        d.email = gone.data.email.clone();
    }
    if d.phone.is_none() {
        d.phone = gone.data.phone.clone();
    }
    if !gone.data.notes.is_empty() && gone.data.notes != d.notes {
        d.notes = if d.notes.is_empty() {
            gone.data.notes.clone()
        } else {
            format!("{}\n{}", d.notes, gone.data.notes)
        };
    }
    d.tags.extend(gone.data.tags.iter().cloned());
    for a in &gone.data.addresses {
        let dup = d.addresses.iter().any(|x| {
            x.kind == a.kind
                && x.line1 == a.line1
                && x.postal_code == a.postal_code
                && x.city == a.city
        });
        if !dup {
            d.addresses.push(Address {
                is_primary: false,
                ..a.clone()
            });
        }
    }
    d.addresses.truncate(10);
    let gone_decided_later = match (&gone.consent_at, &keep.consent_at) {
        (Some(g), Some(k)) => g > k,
        (Some(_), None) => true,
        _ => false,
    };
    if gone_decided_later {
        d.marketing_consent = gone.data.marketing_consent;
    }
    update(tx, store_id, actor_id, keep_id, &d)?;
    if gone_decided_later {
        tx.execute(
            "UPDATE customers SET consent_at = ?2 WHERE id = ?1",
            params![keep_id, gone.consent_at],
        )
        .db()?;
        // Consent and its date travel together, so other devices take both.
        tx.record_change(
            "customers",
            keep_id,
            ChangeOp::Upsert,
            &json!({"marketing_consent": d.marketing_consent, "consent_at": gone.consent_at}),
        )?;
    }
    tx.execute(
        "UPDATE customers SET merged_into = ?2, updated_at = ?3 WHERE id = ?1",
        params![remove_id, keep_id, tx.now_ts()],
    )
    .db()?;
    let merged = get(tx, store_id, remove_id)?;
    reindex(tx, &merged, false)?;
    tx.record_change(
        "customers",
        remove_id,
        ChangeOp::Upsert,
        &json!({"merged_into": keep_id}),
    )?;
    tx.audit(
        AuditInput::new("customer.merged")
            .by(actor_id)
            .on("customer", keep_id)
            .before(
                json!({"kept": Value::Object(to_map(&keep.data)), "removed_id": remove_id,
                           "removed": Value::Object(to_map(&gone.data))}),
            )
            .after(Value::Object(to_map(&d))),
    )?;
    get(tx, store_id, keep_id)
}

/// The customer whose email is `email` (any case), not merged away.
pub fn by_email(conn: &Connection, store_id: &str, email: &str) -> Result<Option<String>> {
    conn.prepare_cached(
        "SELECT id FROM customers WHERE store_id = ?1 AND email = ?2 COLLATE NOCASE AND merged_into IS NULL
         AND erased_at IS NULL
         ORDER BY created_at LIMIT 1",
    )
    .db()?
    .query_row(params![store_id, email.trim()], |r| r.get(0))
    .optional()
    .db()
}

/// How many customers the store has (merged duplicates not counted).
pub fn count(conn: &Connection, store_id: &str) -> Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM customers WHERE store_id = ?1 AND merged_into IS NULL AND erased_at IS NULL",
        [store_id],
        |r| r.get(0),
    )
    .db()
}
