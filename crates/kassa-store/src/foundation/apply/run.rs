//! Running a page: the savepoint per change, parking and retrying, the clock, the cursor.

use super::*;

impl<'c> ApplyTx<'c> {
    pub(super) fn begin(tx: Transaction<'c>, now: DateTime<Utc>) -> Result<ApplyTx<'c>> {
        let (device_id, store_id, hlc): (String, String, i64) = tx
            .query_row("SELECT id, store_id, hlc FROM device", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
            .db()?
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NotSetUp,
                    "this data folder has no device yet; set up or join a store first",
                )
            })?;
        tx.execute_batch("PRAGMA defer_foreign_keys = ON").db()?;
        let parked_any = tx
            .query_row("SELECT EXISTS (SELECT 1 FROM parked_changes)", [], |r| {
                r.get::<_, bool>(0)
            })
            .db()?;
        Ok(ApplyTx {
            tx,
            now,
            now_ts: ts(now),
            device_id,
            store_id,
            hlc: Hlc::from_packed(u64::try_from(hlc).unwrap_or(0)),
            current: None,
            park_reason: None,
            parked_any,
            conflicts: 0,
            currency_touched: false,
            search_later: Default::default(),
            present: Default::default(),
            sql_texts: Default::default(),
        })
    }

    /// Moves the device's clock past a remote stamp, unless the stamp is more than
    /// [`MAX_AHEAD_MS`] ahead of this device's clock (then flagged, `clock_ahead`).
    pub(super) fn receive(&mut self, change: &Change) -> Result<()> {
        let now_ms = u64::try_from(self.now.timestamp_millis()).unwrap_or(0);
        let remote = Hlc::from_packed(change.hlc);
        if remote.wall_ms() > now_ms.saturating_add(MAX_AHEAD_MS) {
            if self.follows_held_stamp(change)? {
                // Another device wrote fields after a stamp that is ahead here too (its write
                // follows that one); its clock is not the one running ahead.
                return Ok(());
            }
            let detail = serde_json::json!({
                "stamp_ms": remote.wall_ms(), "device_clock_ms": now_ms,
                "ahead_ms": remote.wall_ms() - now_ms, "change_id": change.change_id,
                "entity": change.entity, "entity_id": change.entity_id,
            });
            return self.conflict("clock_ahead", "device", &change.device_id, detail);
        }
        self.hlc = self.hlc.receive(remote, now_ms);
        Ok(())
    }

    /// Whether an upsert's stamp is at most one past the newest version this device holds
    /// for the fields it writes: a write that followed a stamp already here.
    fn follows_held_stamp(&self, change: &Change) -> Result<bool> {
        if change.op != ChangeOp::Upsert {
            return Ok(false);
        }
        let payload = change.payload.to_string();
        let held: Option<i64> = self
            .row(
                "SELECT max(hlc) FROM field_versions
              WHERE entity = ?1 AND entity_id = ?2
                AND (field = '*'
                     OR field IN (SELECT key FROM json_each(?3) WHERE json_type(?3) = 'object'))",
                params![change.entity, change.entity_id, payload],
                |r| r.get(0),
            )?
            .flatten();
        Ok(held
            .and_then(|h| u64::try_from(h).ok())
            .is_some_and(|h| change.hlc <= h.saturating_add(1)))
    }

    /// Hands a change to the applier its entity names, marking it the current change; one no
    /// applier knows is parked for a newer Kassa.
    fn dispatch(&mut self, change: &Change) -> Result<Applied> {
        self.current = Some(Current::of(change));
        self.park_reason = None;
        match applier(&change.entity) {
            Some(f) => f(self, change),
            None => Ok(self.park(format!(
                "no applier for '{}' in this version of Kassa",
                change.entity
            ))),
        }
    }

    /// Applies one change without a savepoint of its own, for a page applied whole: `None`
    /// when the change failed, or parked after writing, so the page must be applied again
    /// change by change ([`ApplyTx::run_one`]) to keep what the others wrote.
    fn run_whole(&mut self, change: &Change, server_seq: u64) -> Result<Option<Applied>> {
        let written = self.tx.total_changes();
        let outcome = self.dispatch(change);
        match outcome {
            Ok(Applied::Parked) if self.tx.total_changes() == written => {
                let reason = self
                    .park_reason
                    .take()
                    .unwrap_or_else(|| "waiting for its parent".into());
                self.store_parked(change, server_seq, &reason)?;
                Ok(Some(Applied::Parked))
            }
            Ok(Applied::Parked) => Ok(None),
            Ok(done) => {
                self.unpark(&change.change_id)?;
                Ok(Some(done))
            }
            Err(e) if e.code == ErrorCode::Storage => Err(e),
            Err(_) => Ok(None),
        }
    }

    /// Applies one change in a savepoint: an error or a park rolls back what it wrote.
    fn run_one(&mut self, change: &Change, server_seq: u64) -> Result<Applied> {
        let conflicts_before = self.conflicts;
        let search_before = self.search_later.borrow().len();
        // Cached: a page opens and releases one savepoint per change.
        self.exec("SAVEPOINT apply_change", [])?;
        let outcome = self.dispatch(change);
        let reason = match outcome {
            Ok(Applied::Parked) => Some(
                self.park_reason
                    .take()
                    .unwrap_or_else(|| "waiting for its parent".into()),
            ),
            Ok(done) => {
                self.exec("RELEASE apply_change", [])?;
                self.unpark(&change.change_id)?;
                return Ok(done);
            }
            Err(e) if e.code == ErrorCode::Storage => return Err(e),
            Err(e) => Some(format!("{}: {}", e.code.as_str(), e.message)),
        };
        self.tx
            .execute_batch("ROLLBACK TO apply_change; RELEASE apply_change")
            .db()?;
        self.conflicts = conflicts_before;
        self.search_later.borrow_mut().truncate(search_before);
        // The change may have written rows it found or made; what stays is asked again.
        self.present.borrow_mut().clear();
        self.store_parked(change, server_seq, reason.as_deref().unwrap_or(""))?;
        Ok(Applied::Parked)
    }

    fn unpark(&self, change_id: &str) -> Result<()> {
        if !self.parked_any {
            return Ok(());
        }
        self.exec(
            "DELETE FROM parked_changes WHERE change_id = ?1",
            [change_id],
        )?;
        Ok(())
    }

    fn store_parked(&mut self, c: &Change, server_seq: u64, reason: &str) -> Result<()> {
        self.parked_any = true;
        let updated = self.exec(
            "UPDATE parked_changes SET reason = ?2, attempts = attempts + 1 WHERE change_id = ?1",
            params![c.change_id, reason],
        )?;
        if updated == 0 {
            let seq = i64::try_from(server_seq).unwrap_or(i64::MAX);
            let hlc = i64::try_from(c.hlc).unwrap_or(i64::MAX);
            self.exec(
                "INSERT INTO parked_changes (change_id, server_seq, entity, entity_id, op, payload, hlc, device_id, reason, parked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![c.change_id, seq, c.entity, c.entity_id, c.op.as_str(), c.payload.to_string(),
                        hlc, c.device_id, reason, self.now_ts],
            )?;
        }
        Ok(())
    }

    /// Retries parked changes in server order until a round applies none.
    fn retry_parked(&mut self, report: &mut ApplyReport) -> Result<()> {
        loop {
            let parked: Vec<(Change, u64)> = {
                let mut st = self
                    .tx
                    .prepare_cached(
                        "SELECT change_id, entity, entity_id, op, payload, hlc, device_id, server_seq
                         FROM parked_changes ORDER BY server_seq, change_id",
                    )
                    .db()?;
                let rows = st
                    .query_map([], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, i64>(5)?,
                            r.get::<_, String>(6)?,
                            r.get::<_, i64>(7)?,
                        ))
                    })
                    .db()?;
                let mut out = Vec::new();
                for row in rows {
                    let (change_id, entity, entity_id, op, payload, hlc, device_id, seq) =
                        row.db()?;
                    let op = ChangeOp::parse(&op).unwrap_or(ChangeOp::Event);
                    let payload = serde_json::from_str(&payload).unwrap_or(Value::Null);
                    let change = Change {
                        change_id,
                        entity,
                        entity_id,
                        op,
                        payload,
                        hlc: u64::try_from(hlc).unwrap_or(0),
                        device_id,
                    };
                    out.push((change, u64::try_from(seq).unwrap_or(0)));
                }
                out
            };
            let mut progress = false;
            // A change no applier knows waits for a newer Kassa, not for a parent.
            for (change, seq) in parked
                .into_iter()
                .filter(|(c, _)| applier(&c.entity).is_some())
            {
                match self.run_one(&change, seq)? {
                    Applied::Parked => {}
                    Applied::AlreadyHeld => {
                        report.already_held += 1;
                        progress = true;
                    }
                    Applied::Applied | Applied::Conflict => {
                        report.applied += 1;
                        progress = true;
                    }
                }
            }
            if !progress {
                return Ok(());
            }
        }
    }

    /// Writes the search entries the page's changes asked for, once per row.
    fn write_search_entries(&self) -> Result<()> {
        let pending = std::mem::take(&mut *self.search_later.borrow_mut());
        let mut done = std::collections::HashSet::new();
        // The first request for a row says whether it was new in this page.
        for (entity, id, fresh, writer) in pending {
            if done.insert((entity, id.clone())) {
                writer(self, &id, fresh)?;
            }
        }
        Ok(())
    }

    fn finish(self, cursor: u64) -> Result<()> {
        let hlc =
            i64::try_from(self.hlc.packed()).map_err(|_| Error::internal("clock overflow"))?;
        self.exec("UPDATE device SET hlc = max(hlc, ?1)", [hlc])?;
        let cursor = i64::try_from(cursor).map_err(|_| Error::invalid_input("cursor too large"))?;
        self.exec(
            "INSERT INTO sync_cursor (id, cursor, updated_at) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET cursor = max(cursor, excluded.cursor), updated_at = excluded.updated_at",
            params![cursor, self.now_ts],
        )?;
        self.tx.commit().db()
    }
}

/// Applies one page of the server's log, in order, in one transaction, and stores `cursor`
/// (the page's end) with it. Changes this device made itself are recognised and held.
///
/// A page is applied whole first, without a savepoint per change (opening and releasing one
/// per change is a large part of applying); when a change fails, or parks after writing, that
/// attempt is rolled back and the page is applied again with a savepoint per change, so the
/// failing change is parked alone and the rest of the page still applies.
pub fn apply_remote(store: &mut Store, entries: &[LogEntry], cursor: u64) -> Result<ApplyReport> {
    if let Some(report) = apply_page(store, entries, cursor, false)? {
        return Ok(report);
    }
    apply_page(store, entries, cursor, true)?
        .ok_or_else(|| Error::internal("a page applied change by change gave up"))
}

/// One attempt at a page; `None` when applied whole and a change needs its own savepoint.
fn apply_page(
    store: &mut Store,
    entries: &[LogEntry],
    cursor: u64,
    per_change: bool,
) -> Result<Option<ApplyReport>> {
    let now = store.clock().now();
    let tx = store
        .conn_mut()
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .db()?;
    let mut atx = ApplyTx::begin(tx, now)?;
    let mut report = ApplyReport::default();
    for e in entries {
        atx.current = Some(Current::of(&e.change));
        atx.receive(&e.change)?;
        let outcome = if per_change {
            atx.run_one(&e.change, e.server_seq)?
        } else {
            match atx.run_whole(&e.change, e.server_seq)? {
                Some(outcome) => outcome,
                // Dropping the transaction rolls the attempt back.
                None => return Ok(None),
            }
        };
        match outcome {
            Applied::Applied | Applied::Conflict => report.applied += 1,
            Applied::AlreadyHeld => report.already_held += 1,
            Applied::Parked => {}
        }
    }
    if atx.parked_any {
        atx.retry_parked(&mut report)?;
    }
    if atx.currency_touched {
        crate::foundation::remote::settle_currency(&mut atx)?;
    }
    atx.write_search_entries()?;
    report.parked = atx
        .row("SELECT count(*) FROM parked_changes", [], |r| {
            r.get::<_, i64>(0)
        })?
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(0);
    report.conflicts = atx.conflicts;
    atx.finish(cursor)?;
    Ok(Some(report))
}
