//! The write transaction: a change, its outbox entry and its audit entry commit together.

use crate::foundation::ids::new_id;
use crate::{SqlResult, ts};
use chrono::{DateTime, Utc};
use kassa_domain::audit::{AuditEntry, GENESIS, entry_hash};
use kassa_domain::hlc::Hlc;
use kassa_domain::{Error, ErrorCode, Result};
use kassa_sync_protocol::wire::MAX_CHANGE_BYTES;
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::Value;

pub use kassa_sync_protocol::ChangeOp;

/// What an audit entry records. Before/after hold no secrets.
#[derive(Debug, Clone, Default)]
pub struct AuditInput<'a> {
    pub actor_id: Option<&'a str>,
    pub approver_id: Option<&'a str>,
    pub action: &'a str,
    pub entity: Option<&'a str>,
    pub entity_id: Option<&'a str>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> AuditInput<'a> {
    /// An entry for `action` (e.g. `auth.logout`), to be completed with the builders below.
    pub fn new(action: &'a str) -> AuditInput<'a> {
        AuditInput {
            action,
            ..Default::default()
        }
    }

    /// Who did it.
    pub fn by(mut self, actor_id: &'a str) -> Self {
        self.actor_id = Some(actor_id);
        self
    }

    /// Who approved it (a manager override).
    pub fn approved_by(mut self, approver_id: &'a str) -> Self {
        self.approver_id = Some(approver_id);
        self
    }

    /// The record it concerns.
    pub fn on(mut self, entity: &'a str, entity_id: &'a str) -> Self {
        self.entity = Some(entity);
        self.entity_id = Some(entity_id);
        self
    }

    /// The record before the change (no secrets).
    pub fn before(mut self, v: Value) -> Self {
        self.before = Some(v);
        self
    }

    /// The record after the change (no secrets).
    pub fn after(mut self, v: Value) -> Self {
        self.after = Some(v);
        self
    }
}

struct DeviceState {
    id: String,
    hlc: Hlc,
    audit_seq: u64,
    audit_head: [u8; 32],
    clock_offset_ms: i64,
    dirty: bool,
}

/// An open write transaction. Dropped without [`WriteTx::commit`], it rolls back.
pub struct WriteTx<'c> {
    tx: Transaction<'c>,
    now: DateTime<Utc>,
    /// `now` as stored, formatted once.
    now_ts: String,
    device: Option<DeviceState>,
    /// Whether this transaction appended to the outbox.
    outbox_grew: bool,
}

impl<'c> std::ops::Deref for WriteTx<'c> {
    type Target = rusqlite::Connection;
    fn deref(&self) -> &rusqlite::Connection {
        &self.tx
    }
}

impl<'c> WriteTx<'c> {
    pub(crate) fn begin(tx: Transaction<'c>, now: DateTime<Utc>) -> Result<WriteTx<'c>> {
        let device = load_device(&tx)?;
        Ok(WriteTx {
            tx,
            now,
            now_ts: ts(now),
            device,
            outbox_grew: false,
        })
    }

    /// Runs a statement through the connection's statement cache: hot paths (a checkout runs
    /// dozens of statements) must not parse their SQL again each time.
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

    /// The time this transaction writes, read once at its start.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// [`WriteTx::now`] as stored text.
    pub fn now_ts(&self) -> String {
        self.now_ts.clone()
    }

    /// This device's id; `not_set_up` before setup.
    pub fn device_id(&self) -> Result<&str> {
        Ok(&self.device()?.id)
    }

    fn device(&self) -> Result<&DeviceState> {
        self.device.as_ref().ok_or_else(|| {
            Error::new(
                ErrorCode::NotSetUp,
                "this data folder has no store yet; run setup first",
            )
        })
    }

    fn device_mut(&mut self) -> Result<&mut DeviceState> {
        self.device.as_mut().ok_or_else(|| {
            Error::new(
                ErrorCode::NotSetUp,
                "this data folder has no store yet; run setup first",
            )
        })
    }

    /// Re-reads the device row; setup calls this after inserting it.
    pub(crate) fn reload_device(&mut self) -> Result<()> {
        self.device = load_device(&self.tx)?;
        Ok(())
    }

    fn next_hlc(&mut self) -> Result<Hlc> {
        let now_ms = u64::try_from(self.now.timestamp_millis()).unwrap_or(0);
        let d = self.device_mut()?;
        d.hlc = d.hlc.tick(now_ms);
        d.dirty = true;
        Ok(d.hlc)
    }

    /// Moves this device's clock stamp past `remote`, a stamp heard from the server, so the
    /// next change made here is stamped after it.
    pub(crate) fn receive_clock(&mut self, remote: Hlc) -> Result<()> {
        let now_ms = u64::try_from(self.now.timestamp_millis()).unwrap_or(0);
        let d = self.device_mut()?;
        d.hlc = d.hlc.receive(remote, now_ms);
        d.dirty = true;
        Ok(())
    }

    /// Sets the device clock's offset from the server (device minus server, in ms) that
    /// audit entries carry from now on, this transaction's included.
    pub(crate) fn set_clock_offset(&mut self, offset_ms: i64) -> Result<()> {
        self.device_mut()?.clock_offset_ms = offset_ms;
        self.exec("UPDATE device SET clock_offset_ms = ?1", [offset_ms])?;
        Ok(())
    }

    /// Appends a change for the server to the outbox, stamped with the HLC and this device.
    /// For an upsert, every top-level field of the payload gets this change's version in
    /// `field_versions`, so local and remote writes of a field compare by `(hlc, device)`.
    pub fn record_change(
        &mut self,
        entity: &str,
        entity_id: &str,
        op: ChangeOp,
        payload: &(impl serde::Serialize + ?Sized),
    ) -> Result<()> {
        self.record_change_after(entity, entity_id, op, payload, None)
    }

    /// As [`WriteTx::record_change`], for a change that follows a stamp this device holds
    /// (`after`, e.g. the newest event of an order, which may come from a clock running
    /// ahead that did not move this device's clock): the change is stamped past it, so
    /// every device orders it after what it followed. The device's clock stays.
    pub(crate) fn record_change_after(
        &mut self,
        entity: &str,
        entity_id: &str,
        op: ChangeOp,
        payload: &(impl serde::Serialize + ?Sized),
        after: Option<i64>,
    ) -> Result<()> {
        self.record(entity, entity_id, op, payload, after, true)
    }

    /// Appends an upsert whose fields keep the versions this device holds for them: a change
    /// that carries the version it is a copy of (a TOTP secret sealed again under a newer
    /// store-key epoch names the version it sealed again), which the caller records itself.
    pub(crate) fn record_unversioned_change(
        &mut self,
        entity: &str,
        entity_id: &str,
        payload: &(impl serde::Serialize + ?Sized),
    ) -> Result<()> {
        self.record(entity, entity_id, ChangeOp::Upsert, payload, None, false)
    }

    fn record(
        &mut self,
        entity: &str,
        entity_id: &str,
        op: ChangeOp,
        payload: &(impl serde::Serialize + ?Sized),
        after: Option<i64>,
        stamp_fields: bool,
    ) -> Result<()> {
        let payload = serde_json::to_string(payload)
            .map_err(|e| Error::internal(format!("encoding a change failed: {e}")))?;
        if payload.len() > MAX_CHANGE_BYTES {
            return Err(Error::invalid_input(format!(
                "this is too large to sync to the store's other devices ({entity} {entity_id}: {} KB, at most {} KB); nothing was saved",
                payload.len().div_ceil(1024),
                MAX_CHANGE_BYTES / 1024
            )));
        }
        let hlc = self.next_hlc()?;
        let device_id = self.device()?.id.clone();
        let mut hlc_i64 = i64::try_from(hlc.packed())
            .map_err(|_| Error::internal("the clock stamp overflowed"))?;
        if let Some(after) = after.filter(|h| *h >= hlc_i64) {
            hlc_i64 = after
                .checked_add(1)
                .ok_or_else(|| Error::internal("the clock stamp overflowed"))?;
        }
        if op == ChangeOp::Upsert && stamp_fields {
            // A field written here after this device took another device's later stamp for it
            // (a clock running ahead, whose stamps do not move this device's clock): this
            // write follows that one, so its stamp does too, or the other devices would keep
            // the older value while this one shows the newer. The device's clock stays.
            let held: Option<i64> = self
                .tx
                .prepare_cached(
                    "SELECT max(hlc) FROM field_versions
                      WHERE entity = ?1 AND entity_id = ?2
                        AND (field = '*'
                             OR field IN (SELECT key FROM json_each(?3) WHERE json_type(?3) = 'object'))",
                )
                .db()?
                .query_row(params![entity, entity_id, payload], |r| r.get(0))
                .db()?;
            if let Some(held) = held.filter(|h| *h >= hlc_i64) {
                hlc_i64 = held
                    .checked_add(1)
                    .ok_or_else(|| Error::internal("the clock stamp overflowed"))?;
            }
        }
        self.tx
            .prepare_cached(
                "INSERT INTO outbox (change_id, entity, entity_id, op, payload, hlc, device_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .db()?
            .execute(params![
                new_id(),
                entity,
                entity_id,
                op.as_str(),
                payload,
                hlc_i64,
                device_id,
                self.now_ts
            ])
            .db()?;
        self.outbox_grew = true;
        if op == ChangeOp::Upsert && stamp_fields {
            // One statement for every top-level field of the payload (a WHERE clause lets
            // SQLite read the upsert clause after a SELECT).
            self.tx
                .prepare_cached(
                    "INSERT INTO field_versions (entity, entity_id, field, hlc, device_id)
                     SELECT ?1, ?2, key, ?4, ?5 FROM json_each(?3) WHERE json_type(?3) = 'object'
                     ON CONFLICT (entity, entity_id, field)
                     DO UPDATE SET hlc = excluded.hlc, device_id = excluded.device_id",
                )
                .db()?
                .execute(params![entity, entity_id, payload, hlc_i64, device_id])
                .db()?;
        }
        Ok(())
    }

    /// Appends an audit entry to this device's hash chain (and to the outbox).
    pub fn audit(&mut self, input: AuditInput<'_>) -> Result<String> {
        let now = self.now_ts.clone();
        let d = self.device_mut()?;
        let entry = AuditEntry {
            id: new_id(),
            device_id: d.id.clone(),
            device_seq: d.audit_seq + 1,
            at_utc: now,
            clock_offset_ms: d.clock_offset_ms,
            actor_id: input.actor_id.map(str::to_string),
            approver_id: input.approver_id.map(str::to_string),
            action: input.action.to_string(),
            entity: input.entity.map(str::to_string),
            entity_id: input.entity_id.map(str::to_string),
            before: input.before.map(|v| v.to_string()),
            after: input.after.map(|v| v.to_string()),
        };
        let prev = d.audit_head;
        let hash = entry_hash(&prev, &entry);
        d.audit_seq = entry.device_seq;
        d.audit_head = hash;
        d.dirty = true;
        let seq = i64::try_from(entry.device_seq)
            .map_err(|_| Error::internal("audit sequence overflowed"))?;
        self.tx
            .prepare_cached(
                "INSERT INTO audit_log (id, device_id, device_seq, at_utc, clock_offset_ms, actor_id,
                    approver_id, action, entity, entity_id, before, after, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )
            .db()?
            .execute(params![
                entry.id,
                entry.device_id,
                seq,
                entry.at_utc,
                entry.clock_offset_ms,
                entry.actor_id,
                entry.approver_id,
                entry.action,
                entry.entity,
                entry.entity_id,
                entry.before,
                entry.after,
                hex(&prev),
                hex(&hash),
            ])
            .db()?;
        /// An audit entry as the outbox carries it.
        #[derive(serde::Serialize)]
        struct Row<'a> {
            device_id: &'a str,
            device_seq: u64,
            at_utc: &'a str,
            clock_offset_ms: i64,
            actor_id: Option<&'a str>,
            approver_id: Option<&'a str>,
            action: &'a str,
            entity: Option<&'a str>,
            entity_id: Option<&'a str>,
            before: Option<&'a str>,
            after: Option<&'a str>,
            prev_hash: String,
            hash: String,
        }
        let payload = Row {
            device_id: &entry.device_id,
            device_seq: entry.device_seq,
            at_utc: &entry.at_utc,
            clock_offset_ms: entry.clock_offset_ms,
            actor_id: entry.actor_id.as_deref(),
            approver_id: entry.approver_id.as_deref(),
            action: &entry.action,
            entity: entry.entity.as_deref(),
            entity_id: entry.entity_id.as_deref(),
            before: entry.before.as_deref(),
            after: entry.after.as_deref(),
            prev_hash: hex(&prev),
            hash: hex(&hash),
        };
        self.record_change("audit_log", &entry.id, ChangeOp::Insert, &payload)?;
        Ok(entry.id)
    }

    /// Commits the change, its outbox entries and audit entries together.
    pub fn commit(self) -> Result<()> {
        self.commit_tracked().map(|_| ())
    }

    /// Commits like [`WriteTx::commit`] and tells whether the outbox grew.
    pub(crate) fn commit_tracked(self) -> Result<bool> {
        let grew = self.outbox_grew;
        if let Some(d) = &self.device
            && d.dirty
        {
            let hlc =
                i64::try_from(d.hlc.packed()).map_err(|_| Error::internal("clock overflow"))?;
            let seq = i64::try_from(d.audit_seq).map_err(|_| Error::internal("audit overflow"))?;
            self.tx
                .prepare_cached("UPDATE device SET hlc = ?1, audit_seq = ?2, audit_head = ?3")
                .db()?
                .execute(params![hlc, seq, hex(&d.audit_head)])
                .db()?;
        }
        self.tx.commit().db()?;
        Ok(grew)
    }
}

fn load_device(tx: &Transaction<'_>) -> Result<Option<DeviceState>> {
    let row = tx
        .prepare_cached("SELECT id, hlc, audit_seq, audit_head, clock_offset_ms FROM device")
        .db()?
        .query_row([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .optional()
        .db()?;
    row.map(|(id, hlc, seq, head, offset)| {
        let audit_head = if head.is_empty() {
            GENESIS
        } else {
            unhex(&head)?
        };
        Ok(DeviceState {
            id,
            hlc: Hlc::from_packed(u64::try_from(hlc).unwrap_or(0)),
            audit_seq: u64::try_from(seq).unwrap_or(0),
            audit_head,
            clock_offset_ms: offset,
            dirty: false,
        })
    })
    .transpose()
}

/// Lowercase hex of a hash.
pub(crate) fn hex(bytes: &[u8; 32]) -> String {
    hex::encode(bytes)
}

/// Parses a stored hash; anything else is damage, reported as such.
pub(crate) fn unhex(s: &str) -> Result<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).map_err(|_| {
        Error::new(
            ErrorCode::Storage,
            format!("stored hash '{s}' is not 64 hex digits"),
        )
    })?;
    Ok(out)
}
