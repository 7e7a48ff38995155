//! Applying other devices' changes: the merge framework every area's appliers build on.
//!
//! [`apply_remote`] applies one page of the server's log in one transaction: each change goes
//! to the [`Applier`] its entity names (see [`applier`]), inside a savepoint, so a change that
//! fails is parked with the reason and never aborts the page; the device's HLC moves past each
//! remote stamp (unless the stamp is more than [`MAX_AHEAD_MS`] ahead of this device's clock:
//! then a `clock_ahead` conflict is recorded instead); parked changes are retried; and the pull
//! cursor is stored in the same transaction, so a crash never applies a change twice or skips
//! one.
//!
//! An applier gets an [`ApplyTx`]: it writes rows directly. Applying never writes the outbox
//! or the audit chain (nothing echoes back to the server), and foreign keys are deferred to
//! the page's end. The rules an applier follows:
//! - reference data (op `upsert`): [`ApplyTx::winning_fields`] keeps the fields whose
//!   `(hlc, device)` is newer than the version held and records the new versions; write only
//!   those. Check that the parent rows exist *before* calling it, and return
//!   [`ApplyTx::park`] when one is missing (the savepoint is rolled back, so nothing the
//!   applier wrote stays).
//! - ledgers (op `insert`): [`ApplyTx::insert_ledger`] inserts a row if absent; the same row
//!   again is [`Applied::AlreadyHeld`], a different one with the same key is a conflict, never
//!   an overwrite.
//! - never `INSERT OR REPLACE` (skips delete triggers, fires the stock trigger twice) nor
//!   `OR IGNORE` (drops rows that fail a CHECK): check the key, then insert.
//! - a uniqueness clash or a combination the rules cannot accept is a [`ApplyTx::conflict`]
//!   row, decided the same way on every device.

use crate::foundation::write::ChangeOp;
use crate::{SqlResult, Store, ts};
use chrono::{DateTime, Utc};
use kassa_domain::hlc::Hlc;
use kassa_domain::{Error, ErrorCode, Result};
use kassa_sync_protocol::Change;
use kassa_sync_protocol::wire::LogEntry;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde_json::{Map, Value};

/// A remote stamp further ahead of this device's clock than this is flagged (`clock_ahead`)
/// and does not move the device's HLC.
pub const MAX_AHEAD_MS: u64 = 5 * 60 * 1000;

/// What applying one change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Something was written.
    Applied,
    /// This device already held it (or newer values of every field): nothing written.
    AlreadyHeld,
    /// Waiting for a parent row; kept in `parked_changes` and retried after each page.
    Parked,
    /// Written as far as the rules allow, with a conflict row for a manager.
    Conflict,
}

/// Applies one remote change of one entity. Registered per entity in each area's
/// `apply::APPLIERS`.
pub type Applier = fn(&mut ApplyTx<'_>, &Change) -> Result<Applied>;

/// What a page did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ApplyReport {
    /// Changes written (this page's, and parked ones that could now be applied).
    pub applied: u64,
    /// Changes this device already held.
    pub already_held: u64,
    /// Changes waiting in `parked_changes` after the page (this page's and earlier ones).
    pub parked: u64,
    /// Conflict rows the page recorded (including `clock_ahead` flags).
    pub conflicts: u64,
}

/// The `field_versions` field that holds a whole row's version: the version of every field
/// that has none of its own (a row as it first arrived here).
pub const ROW_VERSION: &str = "*";

/// The version of a field: the stamp and device of the change that wrote it. Ordered by
/// stamp, ties broken by device id, so every device picks the same winner.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub hlc: u64,
    pub device_id: String,
}

impl Version {
    /// The version a change writes.
    pub fn of(change: &Change) -> Version {
        Version {
            hlc: change.hlc,
            device_id: change.device_id.clone(),
        }
    }
}

/// Fields that travel together: a change carrying one of them wins or loses for all of
/// them at once, by the newest version held among them (consent and its date).
const FIELD_GROUPS: &[(&str, &[&str])] = &[
    ("customers", &["marketing_consent", "consent_at"]),
    ("invitations", &["accepted_at", "staff_id"]),
];

/// Every applier: each area lists its own.
fn registries() -> [&'static [(&'static str, Applier)]; 7] {
    [
        crate::foundation::remote::APPLIERS,
        crate::identity::apply::APPLIERS,
        crate::catalog::apply::APPLIERS,
        crate::customers::apply::APPLIERS,
        crate::selling::apply::APPLIERS,
        crate::bookings::apply::APPLIERS,
        crate::commissions::apply::APPLIERS,
    ]
}

/// The applier of an entity, or `None` when no area knows it (such a change is parked).
pub fn applier(entity: &str) -> Option<Applier> {
    static BY_ENTITY: std::sync::OnceLock<std::collections::HashMap<&'static str, Applier>> =
        std::sync::OnceLock::new();
    BY_ENTITY
        .get_or_init(|| {
            let mut map = std::collections::HashMap::new();
            for (name, f) in registries().into_iter().flatten() {
                // The first registration of a name wins, as a search in order would find it.
                map.entry(*name).or_insert(*f);
            }
            map
        })
        .get(entity)
        .copied()
}

/// The key column of every reference row [`ApplyTx::write_reference`] writes.
const REFERENCE_KEY: &str = "id";

/// Tables whose rows are never deleted (no code path deletes from them; a test reads the
/// sources to keep it so): a row found in one of them stays for the rest of the page, so
/// [`ApplyTx::exists`] asks SQLite once per row and page. Rolling a change back forgets
/// what was found (the change may have written the row itself).
pub(crate) const KEPT_TABLES: &[&str] = &[
    "stores",
    "staff",
    "products",
    "customers",
    "orders",
    "shifts",
    "trips",
    "departures",
    "bookings",
    "categories",
    "tax_classes",
    "locations",
];

/// The pull cursor: the server sequence of the last change this device applied (0 before
/// the first pull).
pub fn cursor(conn: &Connection) -> Result<u64> {
    let c: Option<i64> = conn
        .query_row("SELECT cursor FROM sync_cursor WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()
        .db()?;
    Ok(c.and_then(|c| u64::try_from(c).ok()).unwrap_or(0))
}

/// An open transaction applying remote changes. See the module's rules.
pub struct ApplyTx<'c> {
    tx: Transaction<'c>,
    now: DateTime<Utc>,
    now_ts: String,
    device_id: String,
    store_id: String,
    hlc: Hlc,
    /// The change being applied, for conflict rows.
    current: Option<Current>,
    park_reason: Option<String>,
    /// Whether `parked_changes` may hold a row (so applying a change must clear its own).
    parked_any: bool,
    conflicts: u64,
    /// Whether the page may have put the store's currency at odds with its sales (see
    /// `foundation::remote::settle_currency`).
    currency_touched: bool,
    /// Search entries to write once the page's changes are applied (see
    /// [`ApplyTx::index_later`]): `(entity, id, writer)`.
    search_later: std::cell::RefCell<Vec<SearchRequest>>,
    /// Rows of [`KEPT_TABLES`] found or written in this page, as `table` NUL `id`.
    present: std::cell::RefCell<std::collections::HashSet<String>>,
    /// SQL texts built from names for this page (see [`ApplyTx::sql_text`]).
    sql_texts: std::cell::RefCell<Vec<(SqlShape, std::rc::Rc<str>)>>,
}

/// What an SQL text built from names says: its kind, table, key column, and which of the
/// applier's columns it writes (a bit per column).
#[derive(PartialEq, Eq)]
struct SqlShape {
    kind: SqlKind,
    table: String,
    key_col: String,
    columns: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SqlKind {
    Exists,
    Insert,
    Update,
}

/// A search entry to write at the page's end: `(entity, id, fresh, writer)`, `fresh` when the
/// row was new in this page (it has no entry to take out first).
type SearchRequest = (&'static str, String, bool, SearchWriter);

/// What a conflict row names of the change that found it.
struct Current {
    change_id: String,
    hlc: u64,
    device_id: String,
}

impl Current {
    fn of(c: &Change) -> Current {
        Current {
            change_id: c.change_id.clone(),
            hlc: c.hlc,
            device_id: c.device_id.clone(),
        }
    }
}

/// Writes the full-text search entry of one row from the row as it is now; `fresh` when the
/// row was new in this page, so it has no entry yet.
pub(crate) type SearchWriter = fn(&ApplyTx<'_>, &str, bool) -> Result<()>;

impl std::ops::Deref for ApplyTx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.tx
    }
}

impl<'c> ApplyTx<'c> {
    /// Runs a statement through the statement cache; the number of rows changed.
    pub fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.tx.prepare_cached(sql).db()?.execute(params).db()
    }

    /// One row through the statement cache; `None` when there is none.
    pub fn row<T, P: rusqlite::Params, F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> Result<Option<T>> {
        self.tx
            .prepare_cached(sql)
            .db()?
            .query_row(params, f)
            .optional()
            .db()
    }

    /// Whether a row with `key` exists: `SELECT 1 FROM {table} WHERE {key_col} = ?`.
    /// `table` and `key_col` are the applier's constants, never taken from a payload. A row
    /// of a [`KEPT_TABLES`] table found by its id is remembered for the rest of the page.
    pub fn exists(&self, table: &str, key_col: &str, key: &str) -> Result<bool> {
        let kept = key_col == "id" && KEPT_TABLES.contains(&table);
        let memo = kept.then(|| format!("{table}\0{key}"));
        if let Some(m) = &memo
            && self.present.borrow().contains(m)
        {
            return Ok(true);
        }
        let sql = self.sql_text(SqlKind::Exists, table, key_col, 0, || {
            format!("SELECT 1 FROM {table} WHERE {key_col} = ?1")
        });
        let found = self.row(&sql, [key], |_| Ok(()))?.is_some();
        if found && let Some(m) = memo {
            self.present.borrow_mut().insert(m);
        }
        Ok(found)
    }

    /// Notes that a row of `table` with id `key` is held now (written by this change).
    fn note_present(&self, table: &str, key_col: &str, key: &str) {
        if key_col == "id" && KEPT_TABLES.contains(&table) {
            self.present.borrow_mut().insert(format!("{table}\0{key}"));
        }
    }

    /// The SQL text of a shape, built by `build` once per page: a page writes thousands of
    /// rows of a few shapes, and building the text from names each time costs as much as a
    /// good part of the write.
    fn sql_text(
        &self,
        kind: SqlKind,
        table: &str,
        key_col: &str,
        columns: u64,
        build: impl FnOnce() -> String,
    ) -> std::rc::Rc<str> {
        let held = self.sql_texts.borrow().iter().find_map(|(shape, sql)| {
            (shape.kind == kind
                && shape.columns == columns
                && shape.table == table
                && shape.key_col == key_col)
                .then(|| sql.clone())
        });
        held.unwrap_or_else(|| {
            let sql: std::rc::Rc<str> = build().into();
            let shape = SqlShape {
                kind,
                table: table.to_string(),
                key_col: key_col.to_string(),
                columns,
            };
            self.sql_texts.borrow_mut().push((shape, sql.clone()));
            sql
        })
    }

    /// Notes an order taken in `currency` (when it differs from the store's, the page ends by
    /// settling the currency), or (`None`) the store's currency changed or an audited change
    /// of the store arrived (the page ends by settling it).
    pub(crate) fn note_currency(&mut self, currency: Option<&str>) -> Result<()> {
        if self.currency_touched {
            return Ok(());
        }
        self.currency_touched = match currency {
            None => true,
            Some(c) => {
                let held: Option<String> = self.row(
                    "SELECT currency FROM stores WHERE id = ?1",
                    [&self.store_id],
                    |r| r.get(0),
                )?;
                held.as_deref() != Some(c)
            }
        };
        Ok(())
    }

    /// The time this page is applied, read once at its start.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// [`ApplyTx::now`] as stored text.
    pub fn now_ts(&self) -> String {
        self.now_ts.clone()
    }

    /// This device's id.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The store this device belongs to.
    pub fn store_id(&self) -> &str {
        &self.store_id
    }

    /// The wall time of a change's stamp, as stored text: the `created_at` a row made by a
    /// remote change gets, the same on every device.
    pub fn stamp_ts(change: &Change) -> String {
        let ms = i64::try_from(Hlc::from_packed(change.hlc).wall_ms()).unwrap_or(0);
        ts(DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default())
    }

    /// Asks for the search entry of `entity`'s row `id` to be written by `writer` once the
    /// page's changes are applied, from the row as it is then. A full-text index writes out
    /// what it holds in memory at every savepoint, so an entry made inside each change's
    /// savepoint costs a segment of its own and a merge; made at the page's end they are
    /// written together. A change rolled back (parked) takes its request back with it.
    /// `fresh`: the row was new in this page (the writer need not take an old entry out).
    pub(crate) fn index_later(
        &self,
        entity: &'static str,
        id: &str,
        fresh: bool,
        writer: SearchWriter,
    ) {
        self.search_later
            .borrow_mut()
            .push((entity, id.to_string(), fresh, writer));
    }

    /// The versions held for every field of a row, by field.
    fn versions(
        &self,
        entity: &str,
        entity_id: &str,
    ) -> Result<std::collections::HashMap<String, Version>> {
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT field, hlc, device_id FROM field_versions WHERE entity = ?1 AND entity_id = ?2",
            )
            .db()?;
        let rows = st
            .query_map(params![entity, entity_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    Version {
                        hlc: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                        device_id: r.get(2)?,
                    },
                ))
            })
            .db()?;
        rows.collect::<rusqlite::Result<_>>().db()
    }

    /// The version held for a field, if any: its own, else the row's ([`ROW_VERSION`]).
    pub fn version(&self, entity: &str, entity_id: &str, field: &str) -> Result<Option<Version>> {
        self.row(
            "SELECT hlc, device_id FROM field_versions
              WHERE entity = ?1 AND entity_id = ?2 AND field IN (?3, '*')
              ORDER BY field = '*' LIMIT 1",
            params![entity, entity_id, field],
            |r| {
                Ok(Version {
                    hlc: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                    device_id: r.get(1)?,
                })
            },
        )
    }

    /// Records `v` as the version of a field.
    pub fn set_version(
        &self,
        entity: &str,
        entity_id: &str,
        field: &str,
        v: &Version,
    ) -> Result<()> {
        let hlc =
            i64::try_from(v.hlc).map_err(|_| Error::invalid_input("clock stamp too large"))?;
        self.exec(
            "INSERT INTO field_versions (entity, entity_id, field, hlc, device_id) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc, device_id = excluded.device_id",
            params![entity, entity_id, field, hlc, v.device_id],
        )?;
        Ok(())
    }

    /// For an upsert: the payload's fields whose version is newer than the one held (all of
    /// them for a row this device has never seen), with their new versions recorded. Fields
    /// of one group ([`FIELD_GROUPS`]) win or lose together. An empty map: already held.
    pub fn winning_fields(&mut self, change: &Change) -> Result<Map<String, Value>> {
        let Value::Object(payload) = &change.payload else {
            return Err(Error::invalid_input(format!(
                "change {} of {} carries no fields",
                change.change_id, change.entity
            )));
        };
        let incoming = Version::of(change);
        let groups = FIELD_GROUPS
            .iter()
            .filter(|(e, _)| *e == change.entity)
            .flat_map(|(_, g)| g.iter().copied().map(move |f| (f, *g)))
            .collect::<Vec<_>>();
        // Every version of the row in one read (a new row has none).
        let versions = self.versions(&change.entity, &change.entity_id)?;
        let row_version = versions.get(ROW_VERSION).cloned();
        let mut out = Map::new();
        for (field, value) in payload {
            let members: Vec<&str> = groups
                .iter()
                .find(|(f, _)| *f == field.as_str())
                .map(|(_, g)| g.to_vec())
                .unwrap_or_else(|| vec![field.as_str()]);
            let mut held: Option<Version> = None;
            for m in &members {
                held = held.max(versions.get(*m).cloned().or_else(|| row_version.clone()));
            }
            if held.is_none_or(|h| incoming > h) {
                out.insert(field.clone(), value.clone());
            }
        }
        if !out.is_empty() && versions.is_empty() {
            // A row new here: one version for the whole row instead of one per field (a first
            // sync writes hundreds of thousands of rows); a field written later gets its own.
            self.set_version(&change.entity, &change.entity_id, ROW_VERSION, &incoming)?;
        } else if !out.is_empty() {
            // Every winning field's new version in one statement.
            let fields = Value::from(out.keys().cloned().collect::<Vec<_>>()).to_string();
            let hlc = i64::try_from(incoming.hlc)
                .map_err(|_| Error::invalid_input("clock stamp too large"))?;
            self.exec(
                "INSERT INTO field_versions (entity, entity_id, field, hlc, device_id)
                 SELECT ?1, ?2, value, ?3, ?4 FROM json_each(?5) WHERE true
                 ON CONFLICT (entity, entity_id, field)
                 DO UPDATE SET hlc = excluded.hlc, device_id = excluded.device_id",
                params![
                    change.entity,
                    change.entity_id,
                    hlc,
                    incoming.device_id,
                    fields
                ],
            )?;
        }
        Ok(out)
    }

    /// Records a conflict found while applying the current change: `kind` (e.g.
    /// `duplicate_sku`, `refund_exceeds_paid`), the record, and `detail` (both sides and what
    /// the merge did). The id comes from `(kind, entity, entity_id)` alone: two devices find
    /// the same clash from different changes (each receives the other's), and both must
    /// record the same conflict, once; applying a change again records no second row.
    pub fn conflict(
        &mut self,
        kind: &str,
        entity: &str,
        entity_id: &str,
        detail: Value,
    ) -> Result<()> {
        let id = conflict_id(kind, entity, entity_id);
        if self.exists("conflicts", "id", &id)? {
            return Ok(());
        }
        self.insert_conflict(&id, kind, entity, entity_id, detail)
    }

    /// As [`ApplyTx::conflict`], for clashes of one `family` about one record whose kind
    /// depends on which rows have arrived (an order's refunds and voids: two voids, then a
    /// refund beside them). One conflict per record and family, its id from the family; its
    /// kind and detail follow the rows as they are now, so every device ends with the same
    /// kind whatever order the rows arrived in.
    pub fn conflict_in_family(
        &mut self,
        family: &str,
        kind: &str,
        entity: &str,
        entity_id: &str,
        detail: Value,
    ) -> Result<()> {
        let id = conflict_id(family, entity, entity_id);
        if self.exists("conflicts", "id", &id)? {
            self.exec(
                "UPDATE conflicts SET kind = ?2, detail = ?3
                 WHERE id = ?1 AND (kind <> ?2 OR detail <> ?3)",
                params![id, kind, detail.to_string()],
            )?;
            return Ok(());
        }
        self.insert_conflict(&id, kind, entity, entity_id, detail)
    }

    /// Withdraws the conflict of `family` about one record, when the rows held no longer
    /// clash (what looked impossible while only some of them had arrived). A decision already
    /// made on it stays in `conflict_resolutions`.
    pub fn withdraw_conflict_in_family(
        &mut self,
        family: &str,
        entity: &str,
        entity_id: &str,
    ) -> Result<()> {
        let id = conflict_id(family, entity, entity_id);
        self.exec("DELETE FROM conflicts WHERE id = ?1", [&id])?;
        Ok(())
    }

    fn insert_conflict(
        &mut self,
        id: &str,
        kind: &str,
        entity: &str,
        entity_id: &str,
        detail: Value,
    ) -> Result<()> {
        let (change_id, hlc, device) = match &self.current {
            Some(c) => (c.change_id.clone(), c.hlc, c.device_id.clone()),
            None => (String::new(), 0, String::new()),
        };
        let hlc = i64::try_from(hlc).unwrap_or(i64::MAX);
        self.exec(
            "INSERT INTO conflicts (id, kind, entity, entity_id, detail, change_id, hlc, device_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![id, kind, entity, entity_id, detail.to_string(), change_id, hlc, device, self.now_ts],
        )?;
        self.conflicts += 1;
        Ok(())
    }

    /// Parks the current change until its parent arrives: return what this gives. Everything
    /// the applier wrote for the change is rolled back; the change is retried after each page.
    pub fn park(&mut self, reason: impl Into<String>) -> Applied {
        self.park_reason = Some(reason.into());
        Applied::Parked
    }

    /// A provider's outcome that another device recorded for one of its rows of `parent`
    /// (the change's entity id is that row's id): parked until the row is here, then a
    /// ledger row of `table` keyed by `key` with the payload's `fields` (see
    /// [`ApplyTx::insert_ledger`]). The card payments' and card refunds' outcomes.
    pub fn insert_outcome(
        &mut self,
        c: &Change,
        parent: &str,
        table: &str,
        key: &str,
        fields: &[&str],
    ) -> Result<Applied> {
        let id = c.entity_id.as_str();
        if !self.exists(parent, "id", id)? {
            return Ok(self.park(format!("waiting for {parent} {id}")));
        }
        let row: Vec<(&str, SqlValue)> =
            fields.iter().map(|n| (*n, field(&c.payload, n))).collect();
        self.insert_ledger(table, &[(key, SqlValue::Text(id.to_owned()))], &row)
    }

    /// Inserts a ledger row if absent. `key` is the primary key's columns with their values
    /// (also written); `row` the other columns. The same row again is `AlreadyHeld`; a row
    /// with the same key and other content is a `ledger_mismatch` conflict and nothing is
    /// overwritten. Table and column names are the applier's constants.
    pub fn insert_ledger(
        &mut self,
        table: &str,
        key: &[(&str, SqlValue)],
        row: &[(&str, SqlValue)],
    ) -> Result<Applied> {
        self.insert_ledger_with(table, key, row, &[])
    }

    /// [`ApplyTx::insert_ledger`] with `local` columns that are written on insert but not
    /// compared (a `created_at` the payload does not carry, taken from the stamp).
    pub fn insert_ledger_with(
        &mut self,
        table: &str,
        key: &[(&str, SqlValue)],
        row: &[(&str, SqlValue)],
        local: &[(&str, SqlValue)],
    ) -> Result<Applied> {
        let cols: Vec<&str> = row.iter().map(|(c, _)| *c).collect();
        let where_key: Vec<String> = key
            .iter()
            .enumerate()
            .map(|(i, (c, _))| format!("{c} = ?{}", i + 1))
            .collect();
        let key_vals: Vec<&SqlValue> = key.iter().map(|(_, v)| v).collect();
        let select = format!(
            "SELECT {} FROM {table} WHERE {}",
            if cols.is_empty() {
                "1".to_string()
            } else {
                cols.join(", ")
            },
            where_key.join(" AND ")
        );
        let held: Option<Vec<SqlValue>> = self
            .tx
            .prepare_cached(&select)
            .db()?
            .query_row(rusqlite::params_from_iter(key_vals.iter()), |r| {
                (0..cols.len().max(1))
                    .map(|i| r.get::<_, SqlValue>(i))
                    .collect()
            })
            .optional()
            .db()?;
        let entity_id = key
            .iter()
            .map(|(_, v)| sql_text(v))
            .collect::<Vec<_>>()
            .join(":");
        if let Some(held) = held {
            let differs: Vec<(&str, &SqlValue, &SqlValue)> = row
                .iter()
                .zip(held.iter())
                .filter(|((_, mine), theirs)| !same_value(mine, theirs))
                .map(|((c, mine), theirs)| (*c, mine, theirs))
                .collect();
            if differs.is_empty() {
                return Ok(Applied::AlreadyHeld);
            }
            let detail = serde_json::json!({
                "table": table,
                "fields": differs.iter().map(|(c, mine, theirs)| serde_json::json!({
                    "field": c, "held": sql_json(theirs), "incoming": sql_json(mine)
                })).collect::<Vec<_>>(),
                "kept": "held",
            });
            self.conflict("ledger_mismatch", table, &entity_id, detail)?;
            return Ok(Applied::Conflict);
        }
        let all: Vec<&(&str, SqlValue)> =
            key.iter().chain(row.iter()).chain(local.iter()).collect();
        let names: Vec<&str> = all.iter().map(|(c, _)| *c).collect();
        let marks: Vec<String> = (1..=all.len()).map(|i| format!("?{i}")).collect();
        let insert = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            marks.join(", ")
        );
        self.tx
            .prepare_cached(&insert)
            .db()?
            .execute(rusqlite::params_from_iter(all.iter().map(|(_, v)| v)))
            .db()?;
        Ok(Applied::Applied)
    }

    /// The first of `parents` (table, key column, id) that this device does not hold yet, as
    /// a reason to park; `None` when all are here (an absent id needs nothing).
    pub fn missing_parent(&self, parents: &[(&str, &str, Option<&str>)]) -> Result<Option<String>> {
        for (table, col, id) in parents {
            if let Some(id) = id
                && !self.exists(table, col, id)?
            {
                return Ok(Some(format!("waiting for {table} {id}")));
            }
        }
        Ok(None)
    }

    /// Writes the winning `fields` of `change`'s reference row (keyed by `id`) that are among
    /// `columns` (payload field name = column name). `absent`: the caller has just found no
    /// such row, so an INSERT goes in directly (failing on the key should the row be there
    /// after all). Otherwise an UPDATE of those fields and `updated_at`, then an INSERT when
    /// it changed no row. An INSERT writes the key, those fields and `created_at`/`updated_at`
    /// from the change's stamp. Names are the applier's constants.
    pub fn write_reference(
        &self,
        table: &str,
        change: &Change,
        absent: bool,
        fields: &Map<String, Value>,
        columns: &[&str],
    ) -> Result<()> {
        let id = change.entity_id.as_str();
        let set: Vec<(&str, SqlValue)> = columns
            .iter()
            .filter_map(|c| fields.get(*c).map(|v| (*c, json_sql(v))))
            .collect();
        // Which of `columns` are written, a bit each (a shape the page's texts are kept by);
        // past 64 columns every text is built afresh.
        let shape = (columns.len() <= 64).then(|| {
            columns
                .iter()
                .enumerate()
                .filter(|(_, c)| fields.contains_key(**c))
                .fold(0u64, |m, (i, _)| m | (1 << i))
        });
        let key = SqlValue::Text(id.to_string());
        let stamp = SqlValue::Text(Self::stamp_ts(change));
        if !absent {
            let held = if set.is_empty() {
                self.exists(table, REFERENCE_KEY, id)?
            } else {
                self.update_reference(table, &key, &set, shape, &stamp)? > 0
            };
            if held {
                return Ok(());
            }
        }
        let build = || {
            let mut names: Vec<&str> = vec![REFERENCE_KEY];
            names.extend(set.iter().map(|(c, _)| *c));
            names.extend(["created_at", "updated_at"]);
            let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
            format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                names.join(", "),
                marks.join(", ")
            )
        };
        let sql = match shape {
            Some(m) => self.sql_text(SqlKind::Insert, table, REFERENCE_KEY, m, build),
            None => build().into(),
        };
        let values = std::iter::once(&key)
            .chain(set.iter().map(|(_, v)| v))
            .chain([&stamp, &stamp]);
        self.tx
            .prepare_cached(&sql)
            .db()?
            .execute(rusqlite::params_from_iter(values))
            .db()?;
        self.note_present(table, REFERENCE_KEY, id);
        Ok(())
    }

    /// The UPDATE of [`ApplyTx::write_reference`]: `set`'s columns and `updated_at` of the
    /// row keyed `key`; the rows it changed.
    fn update_reference(
        &self,
        table: &str,
        key: &SqlValue,
        set: &[(&str, SqlValue)],
        shape: Option<u64>,
        stamp: &SqlValue,
    ) -> Result<usize> {
        let build = || {
            let mut assign: Vec<String> = set
                .iter()
                .enumerate()
                .map(|(i, (c, _))| format!("{c} = ?{}", i + 2))
                .collect();
            assign.push(format!("updated_at = ?{}", set.len() + 2));
            format!(
                "UPDATE {table} SET {} WHERE {REFERENCE_KEY} = ?1",
                assign.join(", ")
            )
        };
        let sql = match shape {
            Some(m) => self.sql_text(SqlKind::Update, table, REFERENCE_KEY, m, build),
            None => build().into(),
        };
        let values = std::iter::once(key)
            .chain(set.iter().map(|(_, v)| v))
            .chain([stamp]);
        self.tx
            .prepare_cached(&sql)
            .db()?
            .execute(rusqlite::params_from_iter(values))
            .db()
    }

    /// A uniqueness clash on `field` between the incoming change's row and `other_id`, which
    /// holds the same value here: whether the incoming row loses. The later `(hlc, device)`
    /// loses; a held value with no version (written before versions existed) wins.
    pub fn incoming_loses(
        &self,
        entity: &str,
        field: &str,
        other_id: &str,
        incoming: &Version,
    ) -> Result<bool> {
        Ok(match self.version(entity, other_id, field)? {
            Some(held) => *incoming > held,
            None => true,
        })
    }
}

pub mod conflicts;
mod run;
mod values;

pub use run::apply_remote;
pub(crate) use values::conflict_id;
pub use values::{field, json_sql, lacks, suffixed};
use values::{same_value, sql_json, sql_text};

#[cfg(test)]
mod kept_tables_tests {
    use super::KEPT_TABLES;
    use std::path::{Path, PathBuf};

    /// Every `.rs` and `.sql` file under `dir`, skipping build output and front-end packages.
    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if path.is_dir() {
                if !matches!(name.as_str(), "target" | "node_modules" | ".git" | "dist") {
                    sources(&path, out);
                }
            } else if name.ends_with(".rs") || name.ends_with(".sql") {
                out.push(path);
            }
        }
    }

    /// The table each `DELETE FROM` of `text` names (lower case, schema and quotes dropped).
    fn deleted_tables(text: &str) -> Vec<String> {
        let lower = text.to_lowercase();
        let mut out = Vec::new();
        let mut rest = lower.as_str();
        while let Some(at) = rest.find("delete from") {
            rest = &rest[at + "delete from".len()..];
            let name: String = rest
                .trim_start()
                .trim_start_matches("main.")
                .trim_start_matches(['"', '`', '['])
                .chars()
                .take_while(|ch| ch.is_alphanumeric() || *ch == '_')
                .collect();
            out.push(name);
        }
        out
    }

    #[test]
    fn kept_tables_are_never_deleted_from_anywhere_in_the_workspace() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        for dir in ["crates", "sync", "src-tauri", "migrations", "tests"] {
            sources(&root.join(dir), &mut files);
        }
        assert!(
            files.len() > 50,
            "the workspace's sources were not found from {}",
            root.display()
        );
        let mut found = Vec::new();
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            for table in deleted_tables(&text) {
                if KEPT_TABLES.contains(&table.as_str()) {
                    found.push(format!("{} deletes from {table}", f.display()));
                }
            }
        }
        assert!(
            found.is_empty(),
            "rows of these tables are remembered as present for a page; deleting them breaks that: {found:?}"
        );
        // Built from parts, so this file holds no such statement itself.
        let sample = format!("x; {} main.\"orders\" WHERE", "DELETE FROM");
        assert_eq!(deleted_tables(&sample), ["orders"]);
    }
}
