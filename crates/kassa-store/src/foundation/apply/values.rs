//! Payload values as SQLite stores them, and the small rules every applier shares.

use rusqlite::types::Value as SqlValue;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The losing value of a uniqueness clash: the value, `~` and a tag of the device whose
/// write lost (visible, and the same on every device).
pub fn suffixed(value: &str, device_id: &str) -> String {
    let tag: String = device_id
        .chars()
        .rev()
        .filter(char::is_ascii_alphanumeric)
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{value}~{}", tag.to_ascii_uppercase())
}

/// The first of `required` fields a payload lacks, as a reason to park a change that would
/// create a row it cannot make yet.
pub fn lacks(payload: &Value, required: &[&str]) -> Option<String> {
    required
        .iter()
        .find(|f| payload.get(**f).is_none())
        .map(|f| format!("the row is not here yet and the change lacks '{f}'"))
}

/// A conflict's id: the same on every device that finds the clash, whichever change showed it.
pub(crate) fn conflict_id(kind: &str, entity: &str, entity_id: &str) -> String {
    let mut h = Sha256::new();
    for part in [kind, entity, entity_id] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..16])
}

/// A JSON value as SQLite stores it: booleans as 0/1, arrays and objects as JSON text.
pub fn json_sql(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

/// The payload's field as SQLite stores it (`NULL` when absent).
pub fn field(payload: &Value, name: &str) -> SqlValue {
    payload.get(name).map(json_sql).unwrap_or(SqlValue::Null)
}

pub(super) fn sql_json(v: &SqlValue) -> Value {
    match v {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(i) => Value::from(*i),
        SqlValue::Real(f) => Value::from(*f),
        SqlValue::Text(s) => Value::String(s.clone()),
        SqlValue::Blob(b) => Value::String(hex::encode(b)),
    }
}

pub(super) fn sql_text(v: &SqlValue) -> String {
    match v {
        SqlValue::Text(s) => s.clone(),
        other => sql_json(other).to_string(),
    }
}

pub(super) fn same_value(a: &SqlValue, b: &SqlValue) -> bool {
    match (a, b) {
        (SqlValue::Real(x), SqlValue::Integer(y)) | (SqlValue::Integer(y), SqlValue::Real(x)) => {
            (*x - *y as f64).abs() < f64::EPSILON
        }
        _ => a == b,
    }
}
