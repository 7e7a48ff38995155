//! The checks every request passes before it reaches storage. A request that fails one
//! gets a typed error and changes nothing.

use crate::auth::sha256_hex;
use crate::error::ApiError;
use kassa_sync_protocol::wire::{
    AllotmentRequest, MAX_PULL_CHANGES, MAX_PUSH_CHANGES, PROTOCOL_VERSION, PairRequest,
    PushRequest, PushedChange, RawPayload, StoreRecord,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The oldest device schema the server syncs with.
pub const MIN_SCHEMA_VERSION: u32 = 6;
/// The pull page size when the device names none.
pub const DEFAULT_PULL_LIMIT: u32 = 1_000;
/// The longest name (device, store) a person may give.
pub const MAX_NAME_CHARS: usize = 100;
const MAX_ENTITY_CHARS: usize = 64;
const MAX_ENTITY_ID_CHARS: usize = 128;
const MAX_BATCH_ID_CHARS: usize = 128;
const MAX_STORE_CODE_CHARS: usize = 32;
/// The largest number SQLite and PostgreSQL keep in a signed 64-bit column.
const MAX_STORED_NUMBER: u64 = i64::MAX as u64;

/// The device speaks this server's protocol.
pub fn check_protocol(protocol: u32) -> Result<(), ApiError> {
    if protocol == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(ApiError::update_required(format!(
            "this server speaks sync protocol {PROTOCOL_VERSION}, the device {protocol}; update the app"
        )))
    }
}

/// The device's schema is one the server still syncs with.
pub fn check_schema(schema_version: u32) -> Result<(), ApiError> {
    if schema_version >= MIN_SCHEMA_VERSION {
        Ok(())
    } else {
        Err(ApiError::update_required(format!(
            "the device's data version {schema_version} is older than {MIN_SCHEMA_VERSION}; update the app to sync"
        )))
    }
}

/// `what` is a UUID in its usual hyphenated form.
pub fn check_uuid(what: &str, value: &str) -> Result<(), ApiError> {
    let ok = value.len() == 36 && uuid::Uuid::try_parse(value).is_ok();
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(format!("{what} must be a UUID")))
    }
}

fn check_text(what: &str, value: &str, max_chars: usize) -> Result<(), ApiError> {
    if value.trim().is_empty() {
        return Err(ApiError::invalid(format!("{what} must not be empty")));
    }
    if value.chars().count() > max_chars {
        return Err(ApiError::invalid(format!(
            "{what} must be at most {max_chars} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::invalid(format!(
            "{what} must not hold control characters"
        )));
    }
    Ok(())
}

fn check_store(store: &StoreRecord) -> Result<(), ApiError> {
    check_uuid("store.id", &store.id)?;
    check_text("store.code", &store.code, MAX_STORE_CODE_CHARS)?;
    check_text("store.name", &store.name, MAX_NAME_CHARS)?;
    if store.currency.len() != 3 || !store.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ApiError::invalid(
            "store.currency must be an ISO 4217 code such as EUR",
        ));
    }
    Ok(())
}

/// A pairing request is well formed; the code itself is checked by storage.
pub fn check_pair(req: &PairRequest) -> Result<(), ApiError> {
    check_protocol(req.protocol)?;
    check_schema(req.schema_version)?;
    check_text("code", &req.code, 64)?;
    check_uuid("device_id", &req.device_id)?;
    check_text("device_name", &req.device_name, MAX_NAME_CHARS)?;
    if let Some(store) = &req.store {
        check_store(store)?;
    }
    Ok(())
}

/// A push batch is one the device may send: its own changes, 1 to
/// [`MAX_PUSH_CHANGES`] of them, with consecutive sequences and sound fields.
pub fn check_push(req: &PushRequest<RawPayload>, device_id: &str) -> Result<(), ApiError> {
    check_text("batch_id", &req.batch_id, MAX_BATCH_ID_CHARS)?;
    let n = req.changes.len();
    if n == 0 || n > MAX_PUSH_CHANGES {
        return Err(ApiError::invalid(format!(
            "a push carries 1 to {MAX_PUSH_CHANGES} changes, not {n}"
        )));
    }
    let mut seen = std::collections::HashSet::with_capacity(n);
    let mut expected_seq: Option<u64> = None;
    for (i, pc) in req.changes.iter().enumerate() {
        let c = &pc.change;
        if pc.seq == 0 || pc.seq > MAX_STORED_NUMBER {
            return Err(ApiError::invalid(format!(
                "changes[{i}].seq must be from 1 to {MAX_STORED_NUMBER}"
            )));
        }
        if let Some(want) = expected_seq
            && pc.seq != want
        {
            return Err(ApiError::invalid(format!(
                "changes[{i}].seq is {}, expected {want}: sequences in a batch are consecutive",
                pc.seq
            )));
        }
        expected_seq = pc.seq.checked_add(1);
        if c.device_id != device_id {
            return Err(ApiError::invalid(format!(
                "changes[{i}].device_id is not the device that pushes"
            )));
        }
        check_uuid(&format!("changes[{i}].change_id"), &c.change_id)?;
        if !seen.insert(c.change_id.as_str()) {
            return Err(ApiError::invalid(format!(
                "changes[{i}].change_id appears twice in the batch"
            )));
        }
        check_text(&format!("changes[{i}].entity"), &c.entity, MAX_ENTITY_CHARS)?;
        check_text(
            &format!("changes[{i}].entity_id"),
            &c.entity_id,
            MAX_ENTITY_ID_CHARS,
        )?;
        if c.hlc > MAX_STORED_NUMBER {
            return Err(ApiError::invalid(format!("changes[{i}].hlc is too large")));
        }
        if !c.payload.is_object() {
            return Err(ApiError::invalid(format!(
                "changes[{i}].payload must be a JSON object"
            )));
        }
    }
    Ok(())
}

/// The most seats a device may ask to hold of one pool (a departure has at most as many).
pub const MAX_ALLOTMENT_SEATS: i64 = 100_000;
/// The longest time text taken.
const MAX_TIME_CHARS: usize = 64;

/// An allotment request is well formed: UUIDs, seats from 0 to [`MAX_ALLOTMENT_SEATS`], a
/// version from 1, and an RFC 3339 release time. Whether the seats fit is storage's call.
pub fn check_allotment(req: &AllotmentRequest) -> Result<(), ApiError> {
    check_uuid("pool_id", &req.pool_id)?;
    check_uuid("departure_id", &req.departure_id)?;
    if !(0..=MAX_ALLOTMENT_SEATS).contains(&req.seats) {
        return Err(ApiError::invalid(format!(
            "seats must be from 0 to {MAX_ALLOTMENT_SEATS}, not {}",
            req.seats
        )));
    }
    if req.version < 1 {
        return Err(ApiError::invalid(format!(
            "version must be 1 or more, not {}",
            req.version
        )));
    }
    if req.release_at.len() > MAX_TIME_CHARS
        || chrono::DateTime::parse_from_rfc3339(&req.release_at).is_err()
    {
        return Err(ApiError::invalid(
            "release_at must be an RFC 3339 time, e.g. 2026-12-03T18:00:00.000Z",
        ));
    }
    Ok(())
}

/// The batch's idempotency hash: SHA-256 of its changes as JSON, each payload the very text
/// the device sent (a device sends each payload as its JSON library writes a tree, so this is
/// the text the tree would give again).
pub fn batch_hash<P: Serialize>(changes: &[PushedChange<P>]) -> Result<String, ApiError> {
    serde_json::to_vec(changes)
        .map(|bytes| sha256_hex(&bytes))
        .map_err(|e| ApiError::internal(&format!("cannot serialise a batch: {e}")))
}

/// The hash servers before this one gave a batch: its payloads read into trees and written
/// again. A batch one of them stored and answered is sent again with its first answer lost;
/// where the device's text differs from the server's rewriting (key order, escapes), only this
/// hash recognises it.
pub fn rewritten_batch_hash(body: &[u8]) -> Result<String, ApiError> {
    batch_hash(&read_push::<Value>(body)?.changes)
}

/// A push body read, its payloads as `P`, unchecked.
pub fn read_push<P: DeserializeOwned>(body: &[u8]) -> Result<PushRequest<P>, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid(format!("the push body is not a valid batch: {e}")))
}

/// A push body as the server reads it: decoded, checked for `device_id`, and hashed.
pub fn decode_push(
    body: &[u8],
    device_id: &str,
) -> Result<(PushRequest<RawPayload>, String), ApiError> {
    let req = read_push(body)?;
    check_push(&req, device_id)?;
    let hash = batch_hash(&req.changes)?;
    Ok((req, hash))
}

/// The pull page size: the asked one (1 to [`MAX_PULL_CHANGES`], more is capped) or the
/// default.
pub fn pull_limit(asked: Option<u32>) -> Result<u32, ApiError> {
    match asked {
        None => Ok(DEFAULT_PULL_LIMIT),
        Some(0) => Err(ApiError::invalid("limit must be at least 1")),
        Some(n) => Ok(n.min(MAX_PULL_CHANGES)),
    }
}
