//! This device and its store: first-run setup and what the top bar shows.

use crate::foundation::ids::new_id;
use crate::foundation::write::{AuditInput, ChangeOp};
use crate::identity::staff::{
    NewCredentials, NewStaff, insert_active, validate_email, validate_name,
};
use crate::{SqlResult, Store};
use kassa_domain::money::Currency;
use kassa_domain::password::check_new_password;
use kassa_domain::role::Role;
use kassa_domain::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

/// This device as the top bar shows it.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    pub id: String,
    pub store_id: String,
    pub code: String,
    pub name: String,
    pub demo: bool,
    pub created_at: String,
    pub last_server_time: Option<String>,
}

/// The store this device belongs to.
#[derive(Debug, Clone)]
pub struct StoreInfo {
    pub id: String,
    pub code: String,
    pub name: String,
    pub currency: Currency,
}

/// This device, or `None` before setup.
pub fn device(conn: &Connection) -> Result<Option<DeviceInfo>> {
    conn.query_row(
        "SELECT id, store_id, code, name, demo, created_at, last_server_time FROM device",
        [],
        |r| {
            Ok(DeviceInfo {
                id: r.get(0)?,
                store_id: r.get(1)?,
                code: r.get(2)?,
                name: r.get(3)?,
                demo: r.get::<_, i64>(4)? != 0,
                created_at: r.get(5)?,
                last_server_time: r.get(6)?,
            })
        },
    )
    .optional()
    .db()
}

/// The store with this id.
pub fn store(conn: &Connection, id: &str) -> Result<StoreInfo> {
    let (id, code, name, currency): (String, String, String, String) = conn
        .query_row(
            "SELECT id, code, name, currency FROM stores WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(format!("no store with id {id}")))?;
    Ok(StoreInfo {
        id,
        code,
        name,
        currency: Currency::from_code(&currency)?,
    })
}

/// What first-run setup needs.
#[derive(Debug, Clone)]
pub struct SetupParams {
    pub store_name: String,
    /// 2–8 letters or digits for receipt numbers; derived from the name when absent.
    pub store_code: Option<String>,
    pub currency: String,
    pub device_name: Option<String>,
    pub admin_email: String,
    pub admin_name: Option<String>,
    pub password: String,
    /// Marks a store made by `kassa demo`, whose sign-in screen may show demo credentials.
    pub demo: bool,
}

/// What setup made; the secret and the codes are shown once and never again.
#[derive(Debug, Clone)]
pub struct SetupOutcome {
    pub store_id: String,
    pub device_id: String,
    pub admin_id: String,
    pub totp_secret: Vec<u8>,
    pub backup_codes: Vec<String>,
}

/// A receipt-series code from a store name: its first letters and digits, upper case.
pub fn derive_store_code(name: &str) -> String {
    let code: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .take(4)
        .collect();
    if code.len() < 2 {
        "KASSA".to_string()
    } else {
        code
    }
}

fn validate_code(code: &str) -> Result<String> {
    let c = code.trim().to_ascii_uppercase();
    if (2..=8).contains(&c.len()) && c.chars().all(|ch| ch.is_ascii_alphanumeric()) {
        Ok(c)
    } else {
        Err(Error::invalid_input(format!(
            "store code '{code}' must be 2 to 8 letters or digits"
        )))
    }
}

/// Creates the store, this device and its first admin. Runs once per data folder: a second
/// run is `already_exists` and changes nothing.
pub fn setup(store: &mut Store, p: SetupParams) -> Result<SetupOutcome> {
    if let Some(existing) = device(store.conn())? {
        let s = self::store(store.conn(), &existing.store_id)?;
        return Err(Error::already_exists(format!(
            "this data folder already holds the store '{}' (device {}); setup runs once per device",
            s.name, existing.code
        )));
    }
    let store_name = validate_name(&p.store_name, "store name")?;
    let store_code = match &p.store_code {
        Some(c) => validate_code(c)?,
        None => derive_store_code(&store_name),
    };
    let currency = Currency::from_code(&p.currency)?;
    let device_name = validate_name(p.device_name.as_deref().unwrap_or("Till 1"), "device name")?;
    let email = validate_email(&p.admin_email)?;
    let admin_name = match &p.admin_name {
        Some(n) => validate_name(n, "name")?,
        None => email.split('@').next().unwrap_or("Admin").to_string(),
    };
    check_new_password(&p.password, &[&email, &admin_name, &store_name])?;
    let creds = NewCredentials::prepare(&p.password)?;

    let store_id = new_id();
    let device_id = new_id();
    let key = store.key_source().create(&device_id)?;
    let key_check = key.make_check(&device_id)?;
    // The store key seals what syncs (staff TOTP secrets); the device key what stays here.
    let store_key = store.store_key_source().create(&store_id)?;
    let store_key_check = store_key.make_check(&store_id)?;

    let admin_id = store.write(|tx| {
        let now = tx.now_ts();
        tx.execute(
            "INSERT INTO stores (id, code, name, currency, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![store_id, store_code, store_name, currency.code(), now],
        )
        .db()?;
        tx.execute(
            "INSERT INTO device (id, store_id, code, name, key_check, store_key_check, demo, created_at)
             VALUES (?1, ?2, '01', ?3, ?4, ?5, ?6, ?7)",
            params![device_id, store_id, device_name, key_check, store_key_check, i64::from(p.demo), now],
        )
        .db()?;
        tx.reload_device()?;
        let store_json = json!({"code": store_code, "name": store_name, "currency": currency.code()});
        tx.record_change("stores", &store_id, ChangeOp::Upsert, &store_json)?;
        let who = NewStaff { store_id: &store_id, email: &email, display_name: &admin_name, role: Role::Admin };
        let admin_id = insert_active(tx, &store_key, &who, &creds, None)?;
        tx.audit(AuditInput {
            actor_id: Some(&admin_id),
            action: "store.created",
            entity: Some("store"),
            entity_id: Some(&store_id),
            after: Some(store_json),
            ..Default::default()
        })?;
        tx.audit(AuditInput {
            actor_id: Some(&admin_id),
            action: "device.registered",
            entity: Some("device"),
            entity_id: Some(&device_id),
            after: Some(json!({"code": "01", "name": device_name})),
            ..Default::default()
        })?;
        Ok(admin_id)
    })?;
    store.install_key(key);
    store.install_store_key(store_key);
    Ok(SetupOutcome {
        store_id,
        device_id,
        admin_id,
        totp_secret: creds.totp_secret.to_vec(),
        backup_codes: creds.backup_codes,
    })
}

/// What joining an existing store needs: the store's id and this device's id and code, as
/// pairing hands them out (the code is unique in the store; receipt numbers carry it).
#[derive(Debug, Clone)]
pub struct JoinParams {
    pub store_id: String,
    pub device_id: String,
    pub device_code: String,
    pub device_name: String,
}

/// Makes this empty data folder a new device of an existing store: the device row and its
/// key (as setup does), but no store, staff or settings: those arrive as the other devices'
/// changes (the `stores` change recorded at setup first). Runs once per data folder.
///
/// The store key pairing handed out must be kept first ([`crate::install_store_key`] with
/// [`Store::store_key_source`]): join reads it from there and records its check value, so
/// the staff secrets other devices sealed open here.
pub fn join(store: &mut Store, p: JoinParams) -> Result<()> {
    if let Some(existing) = device(store.conn())? {
        return Err(Error::already_exists(format!(
            "this data folder already holds device {} of store {}",
            existing.code, existing.store_id
        )));
    }
    let device_name = validate_name(&p.device_name, "device name")?;
    let code = p.device_code.trim().to_ascii_uppercase();
    if !(1..=4).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Error::invalid_input(format!(
            "device code '{}' must be 1 to 4 letters or digits",
            p.device_code
        )));
    }
    for (what, id) in [("store id", &p.store_id), ("device id", &p.device_id)] {
        if uuid::Uuid::parse_str(id).is_err() {
            return Err(Error::invalid_input(format!(
                "the {what} '{id}' is not a UUID"
            )));
        }
    }
    let store_key = store.store_key_source().load(&p.store_id)?;
    let store_key_check = store_key.make_check(&p.store_id)?;
    let key = store.key_source().create(&p.device_id)?;
    let key_check = key.make_check(&p.device_id)?;
    store.write(|tx| {
        tx.execute(
            "INSERT INTO device (id, store_id, code, name, key_check, store_key_check, demo, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7)",
            params![
                p.device_id,
                p.store_id,
                code,
                device_name,
                key_check,
                store_key_check,
                tx.now_ts()
            ],
        )
        .db()?;
        tx.reload_device()?;
        tx.audit(
            AuditInput::new("device.joined")
                .on("device", &p.device_id)
                .after(json!({"code": code, "name": device_name, "store_id": p.store_id})),
        )?;
        Ok(())
    })?;
    store.install_key(key);
    store.install_store_key(store_key);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_codes_come_from_the_name() {
        assert_eq!(derive_store_code("Corner Shop"), "CORN");
        assert_eq!(derive_store_code("Café 7"), "CAF7");
        assert_eq!(derive_store_code("!"), "KASSA");
        assert!(validate_code("ab").is_ok());
        assert!(validate_code("a").is_err());
        assert!(validate_code("AB-1").is_err());
    }
}

/// A change to the store's row: its name, its currency, or both (`None` keeps the field).
#[derive(Debug, Clone, Default)]
pub struct StoreChange {
    pub name: Option<String>,
    pub currency: Option<String>,
}

/// Whether anything was ever sold in this store (any device's order held here).
pub fn anything_sold(conn: &Connection) -> Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM orders)", [], |r| r.get(0))
        .db()
}

/// Changes the store's name or currency; audited with before and after, and synced (last
/// writer wins per field). The currency is `currency_locked` once anything was sold: orders,
/// reports and Z reports are in the currency they were taken in. Nothing changed writes nothing.
pub fn update_store(
    tx: &mut crate::foundation::write::WriteTx<'_>,
    store_id: &str,
    actor_id: &str,
    change: &StoreChange,
) -> Result<StoreInfo> {
    let before = self::store(tx, store_id)?;
    let name = match &change.name {
        Some(n) => validate_name(n, "store name")?,
        None => before.name.clone(),
    };
    let currency = match &change.currency {
        Some(c) => Currency::from_code(c)?,
        None => before.currency,
    };
    if currency != before.currency && anything_sold(tx)? {
        return Err(Error::new(
            kassa_domain::ErrorCode::CurrencyLocked,
            format!(
                "the store's currency stays {}: sales were already taken in it",
                before.currency
            ),
        ));
    }
    let mut after = serde_json::Map::new();
    let mut was = serde_json::Map::new();
    if name != before.name {
        was.insert("name".into(), json!(before.name));
        after.insert("name".into(), json!(name));
    }
    if currency != before.currency {
        was.insert("currency".into(), json!(before.currency.code()));
        after.insert("currency".into(), json!(currency.code()));
    }
    if after.is_empty() {
        return Ok(before);
    }
    let now = tx.now_ts();
    tx.execute(
        "UPDATE stores SET name = ?2, currency = ?3, updated_at = ?4 WHERE id = ?1",
        params![store_id, name, currency.code(), now],
    )
    .db()?;
    let after = serde_json::Value::Object(after);
    tx.record_change("stores", store_id, ChangeOp::Upsert, &after)?;
    tx.audit(
        AuditInput::new(crate::foundation::remote::STORE_UPDATED)
            .by(actor_id)
            .on("store", store_id)
            .before(serde_json::Value::Object(was))
            .after(after),
    )?;
    self::store(tx, store_id)
}
