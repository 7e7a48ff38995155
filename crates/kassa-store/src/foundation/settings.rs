//! Settings as stored: only values people changed; the rest are the domain's defaults. Most
//! are the store's (synced); the few of [`DEVICE_SETTINGS`] belong to this device alone.

use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use crate::{SqlResult, ts};
use kassa_domain::settings::{DEVICE_SETTINGS, SettingDef, SettingValue, def};
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

fn to_json(v: &SettingValue) -> Value {
    match v {
        SettingValue::Int(i) => json!(i),
        SettingValue::Bool(b) => json!(b),
        SettingValue::Text(t) => json!(t),
    }
}

fn from_json(d: &SettingDef, v: &Value) -> Result<SettingValue> {
    use kassa_domain::settings::SettingKind::*;
    let bad = || {
        Error::new(
            ErrorCode::Storage,
            format!("stored setting {} is damaged", d.key),
        )
    };
    Ok(match d.kind {
        Int { .. } => SettingValue::Int(v.as_i64().ok_or_else(bad)?),
        Bool { .. } => SettingValue::Bool(v.as_bool().ok_or_else(bad)?),
        Text { .. } => SettingValue::Text(v.as_str().ok_or_else(bad)?.to_string()),
    })
}

/// The value of `key` for `store_id`: the stored one, or the default.
pub fn get(conn: &Connection, store_id: &str, key: &str) -> Result<SettingValue> {
    let d = def(key)?;
    let stored: Option<String> = if DEVICE_SETTINGS.contains(&d.key) {
        conn.prepare_cached("SELECT value FROM device_settings WHERE key = ?1")
            .db()?
            .query_row([key], |r| r.get(0))
            .optional()
            .db()?
    } else {
        conn.prepare_cached("SELECT value FROM settings WHERE store_id = ?1 AND key = ?2")
            .db()?
            .query_row(params![store_id, key], |r| r.get(0))
            .optional()
            .db()?
    };
    match stored {
        None => Ok(d.default_value()),
        Some(text) => {
            let v: Value = serde_json::from_str(&text).map_err(|_| {
                Error::new(
                    ErrorCode::Storage,
                    format!("stored setting {key} is damaged"),
                )
            })?;
            from_json(d, &v)
        }
    }
}

/// An integer setting.
pub fn get_int(conn: &Connection, store_id: &str, key: &str) -> Result<i64> {
    get(conn, store_id, key)?
        .as_int()
        .ok_or_else(|| Error::internal(format!("{key} is not a number")))
}

/// A yes/no setting.
pub fn get_bool(conn: &Connection, store_id: &str, key: &str) -> Result<bool> {
    get(conn, store_id, key)?
        .as_bool()
        .ok_or_else(|| Error::internal(format!("{key} is not yes/no")))
}

/// A text setting.
pub fn get_text(conn: &Connection, store_id: &str, key: &str) -> Result<String> {
    match get(conn, store_id, key)? {
        SettingValue::Text(t) => Ok(t),
        _ => Err(Error::internal(format!("{key} is not text"))),
    }
}

/// Sets `key` after validating it; audited with before and after, and synced (last writer wins).
pub fn set(
    tx: &mut WriteTx<'_>,
    store_id: &str,
    key: &str,
    value: SettingValue,
    actor_id: &str,
) -> Result<SettingValue> {
    let d = def(key)?;
    let value = d.validate(value)?;
    if let (kassa_domain::settings::STORE_TIME_ZONE, SettingValue::Text(name)) = (d.key, &value) {
        crate::foundation::business_day::check_zone(name)?;
    }
    let before = get(tx, store_id, key)?;
    let now = ts(tx.now());
    let json_value = to_json(&value);
    if DEVICE_SETTINGS.contains(&d.key) {
        // This device's own: kept beside the device, never sent to the others.
        tx.execute(
            "INSERT INTO device_settings (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![key, json_value.to_string(), now],
        )
        .db()?;
        let device_id = tx.device_id()?.to_string();
        tx.audit(
            AuditInput::new("settings.changed")
                .by(actor_id)
                .on("device_setting", &format!("{device_id}:{key}"))
                .before(json!({"key": key, "value": to_json(&before), "device_id": device_id}))
                .after(json!({"key": key, "value": json_value, "device_id": device_id})),
        )?;
        return Ok(value);
    }
    tx.execute(
        "INSERT INTO settings (store_id, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(store_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![store_id, key, json_value.to_string(), now],
    )
    .db()?;
    let entity_id = format!("{store_id}:{key}");
    tx.record_change(
        "settings",
        &entity_id,
        ChangeOp::Upsert,
        &json!({"store_id": store_id, "key": key, "value": json_value}),
    )?;
    tx.audit(
        AuditInput::new("settings.changed")
            .by(actor_id)
            .on("setting", &entity_id)
            .before(json!({"key": key, "value": to_json(&before)}))
            .after(json!({"key": key, "value": json_value})),
    )?;
    Ok(value)
}
