//! The records devices and the server exchange when they sync.
//!
//! A device's outbox holds [`Change`]s in the order they were made; pushing
//! sends them in batches, and the server's log hands them to other devices.
//! How a change merges depends on its [`ChangeOp`], which follows the kind of
//! data: reference data upserts field by field (last writer wins by HLC, ties
//! broken by device id), ledgers append, lifecycle documents record events.

use serde::{Deserialize, Serialize};

pub mod wire;

/// How a change is merged on the server and on other devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    /// Reference data: the payload's fields overwrite, last writer wins per field.
    Upsert,
    /// A ledger row: immutable, appended once.
    Insert,
    /// A lifecycle event of a document (order, booking, shift, one-time credential use).
    Event,
}

impl ChangeOp {
    /// The op as stored in the outbox.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeOp::Upsert => "upsert",
            ChangeOp::Insert => "insert",
            ChangeOp::Event => "event",
        }
    }

    /// Parses a stored op.
    pub fn parse(s: &str) -> Option<ChangeOp> {
        match s {
            "upsert" => Some(ChangeOp::Upsert),
            "insert" => Some(ChangeOp::Insert),
            "event" => Some(ChangeOp::Event),
            _ => None,
        }
    }
}

/// One change made on a device. Its payload is a JSON tree where the change is read
/// ([`serde_json::Value`], the default); the server, which only keeps and forwards
/// payloads, holds them as the JSON text they came in ([`wire::RawPayload`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change<P = serde_json::Value> {
    /// UUIDv7 made with the change; a change sent twice is recognised by it.
    pub change_id: String,
    /// The table or document kind, e.g. `staff`, `stock_movements`, `orders`.
    pub entity: String,
    /// The record's id.
    pub entity_id: String,
    pub op: ChangeOp,
    /// The changed fields (upsert), the whole row (insert) or the event (event).
    pub payload: P,
    /// Hybrid logical clock stamp: `wall_ms << 16 | counter`.
    pub hlc: u64,
    /// The device that made the change.
    pub device_id: String,
}

impl<P> Change<P> {
    /// The same change with its payload turned by `f` (a tree into text, or back).
    pub fn map_payload<Q, E>(self, f: impl FnOnce(P) -> Result<Q, E>) -> Result<Change<Q>, E> {
        Ok(Change {
            change_id: self.change_id,
            entity: self.entity,
            entity_id: self.entity_id,
            op: self.op,
            payload: f(self.payload)?,
            hlc: self.hlc,
            device_id: self.device_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_round_trip_through_their_stored_names() {
        for op in [ChangeOp::Upsert, ChangeOp::Insert, ChangeOp::Event] {
            assert_eq!(ChangeOp::parse(op.as_str()), Some(op));
            assert_eq!(
                serde_json::to_value(op).unwrap(),
                serde_json::Value::String(op.as_str().into())
            );
        }
        assert_eq!(ChangeOp::parse("delete"), None);
    }
}
