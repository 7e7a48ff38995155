//! A push's audit entries, checked before storage sees them: each is the pushing device's own
//! and hashes, with the domain's own function, to the hash it claims. Linking them to the
//! chain the server holds is the backend's part, inside the push transaction
//! (`kassa_server_storage::link_audit`).

use crate::error::ApiError;
use kassa_domain::audit::{AuditEntry, entry_hash};
use kassa_server_storage::{AuditLink, audit_entries};
use kassa_sync_protocol::wire::{AUDIT_ENTITY, PushedChange, RawPayload};
use serde_json::Value;

/// The batch's audit links, each entry's hash recomputed; a mismatch is `audit_chain_break`.
pub fn check_audit(
    changes: &[PushedChange<RawPayload>],
    device_id: &str,
) -> Result<Vec<AuditLink>, ApiError> {
    let read = audit_entries(changes).map_err(ApiError::from)?;
    let entries = changes.iter().filter(|pc| pc.change.entity == AUDIT_ENTITY);
    let mut links = Vec::with_capacity(read.len());
    for (pc, (link, payload)) in entries.zip(read) {
        let entry = entry_of(&pc.change.entity_id, &payload, link.device_seq).ok_or_else(|| {
            ApiError::audit_chain_break(format!(
                "audit entry {} lacks a field its hash covers",
                link.device_seq
            ))
        })?;
        if entry.device_id != device_id {
            return Err(ApiError::audit_chain_break(format!(
                "audit entry {} belongs to another device's chain",
                link.device_seq
            )));
        }
        let mut prev = [0u8; 32];
        hex::decode_to_slice(&link.prev_hash, &mut prev).map_err(|_| {
            ApiError::audit_chain_break(format!(
                "audit entry {} has a bad prev_hash",
                link.device_seq
            ))
        })?;
        if hex::encode(entry_hash(&prev, &entry)) != link.hash {
            return Err(ApiError::audit_chain_break(format!(
                "audit entry {} does not match its hash: it was changed after it was written",
                link.device_seq
            )));
        }
        links.push(link);
    }
    Ok(links)
}

/// The entry as the device hashed it, from the fields its change carries.
fn entry_of(id: &str, p: &Value, device_seq: u64) -> Option<AuditEntry> {
    let text = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_owned);
    // Absent and null are both "no value", as the device wrote them.
    let optional = |k: &str| match p.get(k) {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => None,
    };
    Some(AuditEntry {
        id: id.to_owned(),
        device_id: text("device_id")?,
        device_seq,
        at_utc: text("at_utc")?,
        clock_offset_ms: p.get("clock_offset_ms").and_then(Value::as_i64)?,
        actor_id: optional("actor_id")?,
        approver_id: optional("approver_id")?,
        action: text("action")?,
        entity: optional("entity")?,
        entity_id: optional("entity_id")?,
        before: optional("before")?,
        after: optional("after")?,
    })
}
