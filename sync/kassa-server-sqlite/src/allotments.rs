//! Seat allotments: each device's holding of a store's capacity pools, each request one
//! `BEGIN IMMEDIATE` transaction, so grants of a pool never overlap.

use crate::backend;
use kassa_server_storage::{
    AllotmentEvent, AllotmentHolding, AllotmentInput, AllotmentState, Result, StorageError,
    check_allotment, decide_allotment, pool_capacity,
};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

const COLUMNS: &str = "device_id, departure_id, seats, version, release_at, updated_at";

fn holding(r: &Row<'_>) -> rusqlite::Result<AllotmentHolding> {
    Ok(AllotmentHolding {
        device_id: r.get(0)?,
        departure_id: r.get(1)?,
        seats: r.get(2)?,
        version: r.get(3)?,
        release_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

/// A pool's capacity changes, newest first. The entity is a literal: the log's partial index
/// of capacity pools (`0010_log_lookups.sql`) serves only a query that names it.
pub(crate) const CAPACITY_SQL: &str = "SELECT payload FROM log
     WHERE store_id = ?1 AND entity = 'capacity_pools' AND entity_id = ?2
     ORDER BY hlc DESC, device_id DESC";

/// The pool's capacity as the store's log has it; `NotFound` when it has none.
fn capacity(c: &Connection, store_id: &str, pool_id: &str) -> Result<i64> {
    let mut stmt = c.prepare_cached(CAPACITY_SQL).map_err(backend)?;
    let payloads = stmt
        .query_map(params![store_id, pool_id], |r| r.get::<_, String>(0))
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<String>>>()
        .map_err(backend)?;
    pool_capacity(payloads).ok_or_else(|| not_synced(pool_id))
}

fn not_synced(pool_id: &str) -> StorageError {
    StorageError::NotFound(format!(
        "capacity pool {pool_id} (the server has not heard of it yet: sync the device that made the departure first)"
    ))
}

fn holding_of(
    c: &Connection,
    store_id: &str,
    pool_id: &str,
    device_id: &str,
) -> Result<Option<AllotmentHolding>> {
    c.query_row(
        &format!(
            "SELECT {COLUMNS} FROM allotments WHERE store_id = ?1 AND pool_id = ?2 AND device_id = ?3"
        ),
        params![store_id, pool_id, device_id],
        holding,
    )
    .optional()
    .map_err(backend)
}

/// The seats the pool's devices hold, but `except`'s.
fn held_by_others(c: &Connection, store_id: &str, pool_id: &str, except: &str) -> Result<i64> {
    c.query_row(
        "SELECT coalesce(sum(seats), 0) FROM allotments
         WHERE store_id = ?1 AND pool_id = ?2 AND device_id <> ?3",
        params![store_id, pool_id, except],
        |r| r.get(0),
    )
    .map_err(backend)
}

pub(crate) fn set(c: &mut Connection, input: &AllotmentInput) -> Result<AllotmentState> {
    check_allotment(input)?;
    let tx = c
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)?;
    let (store, pool, device) = (&input.store_id, &input.pool_id, &input.device_id);
    let current = holding_of(&tx, store, pool, device)?;
    let capacity = capacity(&tx, store, pool)?;
    let others = held_by_others(&tx, store, pool, device)?;
    let Some(state) = decide_allotment(input, current.as_ref(), capacity, others)? else {
        let held = others.saturating_add(current.as_ref().map_or(0, |h| h.seats));
        return Ok(AllotmentState::new(pool, current.as_ref(), capacity, held));
    };
    tx.execute(
        "INSERT INTO allotments (store_id, pool_id, device_id, departure_id, seats, version,
             release_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (store_id, pool_id, device_id) DO UPDATE SET
             departure_id = excluded.departure_id, seats = excluded.seats,
             version = excluded.version, release_at = excluded.release_at,
             updated_at = excluded.updated_at",
        params![
            store,
            pool,
            device,
            input.departure_id,
            input.seats,
            input.version,
            input.release_at,
            input.now
        ],
    )
    .map_err(backend)?;
    tx.execute(
        "INSERT INTO allotment_events (store_id, pool_id, departure_id, device_id, seats_before,
             seats_after, version, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            store,
            pool,
            input.departure_id,
            device,
            current.as_ref().map_or(0, |h| h.seats),
            input.seats,
            input.version,
            input.now
        ],
    )
    .map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(state)
}

pub(crate) fn list(
    c: &mut Connection,
    store_id: &str,
    pool_id: &str,
) -> Result<Vec<AllotmentHolding>> {
    let mut stmt = c
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM allotments WHERE store_id = ?1 AND pool_id = ?2
             ORDER BY device_id"
        ))
        .map_err(backend)?;
    stmt.query_map(params![store_id, pool_id], holding)
        .map_err(backend)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(backend)
}

pub(crate) fn events(
    c: &mut Connection,
    store_id: &str,
    pool_id: &str,
) -> Result<Vec<AllotmentEvent>> {
    let mut stmt = c
        .prepare_cached(
            "SELECT device_id, departure_id, seats_before, seats_after, version, at
             FROM allotment_events WHERE store_id = ?1 AND pool_id = ?2 ORDER BY id",
        )
        .map_err(backend)?;
    stmt.query_map(params![store_id, pool_id], |r| {
        Ok(AllotmentEvent {
            device_id: r.get(0)?,
            departure_id: r.get(1)?,
            seats_before: r.get(2)?,
            seats_after: r.get(3)?,
            version: r.get(4)?,
            at: r.get(5)?,
        })
    })
    .map_err(backend)?
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(backend)
}
