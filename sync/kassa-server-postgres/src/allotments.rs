//! Seat allotments: each device's holding of a store's capacity pools, each request one
//! transaction. A request first takes a transaction-scoped advisory lock on its store and
//! pool, so two grants of one pool never read the same free seats (READ COMMITTED reads
//! what committed before each statement: once the lock is held, every grant before it).

use crate::error::db;
use crate::sql;
use deadpool_postgres::{Client, GenericClient};
use kassa_server_storage::{
    AllotmentEvent, AllotmentHolding, AllotmentInput, AllotmentState, Result, StorageError,
    check_allotment, decide_allotment, pool_capacity,
};
use tokio_postgres::Row;

/// The first key of the advisory locks on pools ("alot" in ASCII); the second is a hash of
/// the store and pool. Two-key locks never meet the one-key lock of migrations.
const POOL_LOCK_CLASS: i32 = 0x616c_6f74;

const COLUMNS: &str = "device_id, departure_id, seats, version, release_at, updated_at";

fn holding(r: &Row) -> AllotmentHolding {
    AllotmentHolding {
        device_id: r.get(0),
        departure_id: r.get(1),
        seats: r.get(2),
        version: r.get(3),
        release_at: r.get(4),
        updated_at: r.get(5),
    }
}

/// The pool's capacity as the store's log has it; `NotFound` when it has none.
async fn capacity(c: &impl GenericClient, store_id: &str, pool_id: &str) -> Result<i64> {
    let rows = sql::query(
        c,
        "SELECT payload FROM change_log
         WHERE store_id = $1 AND entity = 'capacity_pools' AND entity_id = $2
         ORDER BY hlc DESC, device_id COLLATE \"C\" DESC",
        &[&store_id, &pool_id],
    )
    .await
    .map_err(db)?;
    pool_capacity(rows.iter().map(|r| r.get::<_, String>(0))).ok_or_else(|| {
        StorageError::NotFound(format!(
            "capacity pool {pool_id} (the server has not heard of it yet: sync the device that made the departure first)"
        ))
    })
}

pub async fn set(client: &mut Client, input: AllotmentInput) -> Result<AllotmentState> {
    check_allotment(&input)?;
    let tx = client.transaction().await.map_err(db)?;
    let (store, pool, device) = (&input.store_id, &input.pool_id, &input.device_id);
    let key = format!("{store}:{pool}");
    sql::execute(
        &tx,
        "SELECT pg_advisory_xact_lock($1, hashtext($2))",
        &[&POOL_LOCK_CLASS, &key],
    )
    .await
    .map_err(db)?;
    let current = sql::query_opt(
        &tx,
        &format!(
            "SELECT {COLUMNS} FROM allotments WHERE store_id = $1 AND pool_id = $2 AND device_id = $3"
        ),
        &[store, pool, device],
    )
    .await
    .map_err(db)?
    .map(|r| holding(&r));
    let capacity = capacity(&tx, store, pool).await?;
    let others: i64 = sql::query_one(
        &tx,
        "SELECT coalesce(sum(seats), 0)::BIGINT FROM allotments
         WHERE store_id = $1 AND pool_id = $2 AND device_id <> $3",
        &[store, pool, device],
    )
    .await
    .map_err(db)?
    .get(0);
    let Some(state) = decide_allotment(&input, current.as_ref(), capacity, others)? else {
        let held = others.saturating_add(current.as_ref().map_or(0, |h| h.seats));
        return Ok(AllotmentState::new(pool, current.as_ref(), capacity, held));
    };
    sql::execute(
        &tx,
        "INSERT INTO allotments (store_id, pool_id, device_id, departure_id, seats, version,
             release_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (store_id, pool_id, device_id) DO UPDATE SET
             departure_id = excluded.departure_id, seats = excluded.seats,
             version = excluded.version, release_at = excluded.release_at,
             updated_at = excluded.updated_at",
        &[
            store,
            pool,
            device,
            &input.departure_id,
            &input.seats,
            &input.version,
            &input.release_at,
            &input.now,
        ],
    )
    .await
    .map_err(db)?;
    let before = current.as_ref().map_or(0, |h| h.seats);
    sql::execute(
        &tx,
        "INSERT INTO allotment_events (store_id, pool_id, departure_id, device_id, seats_before,
             seats_after, version, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            store,
            pool,
            &input.departure_id,
            device,
            &before,
            &input.seats,
            &input.version,
            &input.now,
        ],
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(state)
}

pub async fn list(client: &Client, store_id: &str, pool_id: &str) -> Result<Vec<AllotmentHolding>> {
    Ok(sql::query(
        client,
        &format!(
            "SELECT {COLUMNS} FROM allotments WHERE store_id = $1 AND pool_id = $2
             ORDER BY device_id COLLATE \"C\""
        ),
        &[&store_id, &pool_id],
    )
    .await
    .map_err(db)?
    .iter()
    .map(holding)
    .collect())
}

pub async fn events(client: &Client, store_id: &str, pool_id: &str) -> Result<Vec<AllotmentEvent>> {
    Ok(sql::query(
        client,
        "SELECT device_id, departure_id, seats_before, seats_after, version, at
         FROM allotment_events WHERE store_id = $1 AND pool_id = $2 ORDER BY id",
        &[&store_id, &pool_id],
    )
    .await
    .map_err(db)?
    .iter()
    .map(|r| AllotmentEvent {
        device_id: r.get(0),
        departure_id: r.get(1),
        seats_before: r.get(2),
        seats_after: r.get(3),
        version: r.get(4),
        at: r.get(5),
    })
    .collect())
}
