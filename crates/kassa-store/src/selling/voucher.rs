//! Gift vouchers and store credit: a code with a balance that is the sum of its ledger.
//!
//! A voucher's code is stored only as a keyed hash under the store key ([`code_key`]), so a
//! copy of a database (a stolen laptop's, a backup) neither shows the codes nor lets anyone
//! spend them; the code itself is shown once, when the voucher is issued.

use crate::SqlResult;
use crate::foundation::ids::new_id;
use crate::foundation::keys::StoreKey;
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use kassa_domain::{Error, ErrorCode, Result};
use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn new_code() -> String {
    let mut b = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let c: String = b
        .iter()
        .map(|x| ALPHABET[usize::from(x & 31)] as char)
        .collect();
    format!("KV-{}-{}", &c[..5], &c[5..])
}

fn normalize(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// How a stored code hashed under the store key's first epoch starts: what follows is the
/// keyed hash. A later epoch `n` writes `vh<n>:`.
pub const KEYED_PREFIX: &str = "vh1:";

fn keyed_with(epoch: u32, mac: &[u8; 32]) -> String {
    format!("vh{epoch}:{}", hex::encode(&mac[..20]))
}

/// The keyed hash a new voucher code is stored as: HMAC-SHA-256 under the newest epoch of
/// the store key, of the code as typed (trimmed, upper case), after `vh<epoch>:`.
pub fn code_key(key: &StoreKey, code: &str) -> String {
    keyed_with(
        key.epoch(),
        &key.mac("voucher-code", normalize(code).as_bytes()),
    )
}

/// Every keyed hash `code` may be stored as, one per epoch held, newest first: a code hashed
/// before a rotation cannot be hashed again without the code, so lookups try each.
pub fn code_keys(key: &StoreKey, code: &str) -> Vec<String> {
    key.macs("voucher-code", normalize(code).as_bytes())
        .iter()
        .map(|(epoch, mac)| keyed_with(*epoch, mac))
        .collect()
}

/// The keyed hash `code` is stored under on this device, if a voucher has it; else the
/// newest epoch's (which then finds nothing).
pub fn stored_code_key(conn: &Connection, key: &StoreKey, code: &str) -> Result<String> {
    let all = code_keys(key, code);
    for keyed in &all {
        let found: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM vouchers WHERE code = ?1)",
                [keyed],
                |r| r.get(0),
            )
            .db()?;
        if found {
            return Ok(keyed.clone());
        }
    }
    Ok(code_key(key, code))
}

/// How a typed code is shown back in messages: its last characters only.
fn hint(code: &str) -> String {
    let code = normalize(code);
    let tail: String = code
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("…{tail}")
}

/// Stores every code of this device's vouchers that is still in the clear (from a version
/// before keyed codes) as its keyed hash. Each device does it to its own copy with the same
/// key, so they stay equal without a change to sync. Returns how many were converted.
pub fn key_stored_codes(tx: &mut WriteTx<'_>, key: &StoreKey) -> Result<usize> {
    let plain: Vec<(String, String)> = {
        let mut st = tx
            .prepare("SELECT id, code FROM vouchers WHERE code NOT GLOB 'vh[0-9]*:*'")
            .db()?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .db()?
            .collect::<rusqlite::Result<_>>()
            .db()?
    };
    for (id, code) in &plain {
        tx.exec(
            "UPDATE vouchers SET code = ?2 WHERE id = ?1",
            params![id, code_key(key, code)],
        )?;
    }
    Ok(plain.len())
}

/// A voucher and what is left on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voucher {
    pub id: String,
    pub code: String,
    pub customer_id: Option<String>,
    pub balance_minor: i64,
}

/// The voucher with `code` (as typed), and its balance.
pub fn find(conn: &Connection, key: &StoreKey, code: &str) -> Result<Voucher> {
    let mut v = find_keyed(conn, &stored_code_key(conn, key, code)?, Some(code))?;
    v.code = normalize(code);
    Ok(v)
}

/// The voucher whose stored code is `keyed` ([`code_key`]); `typed`, when known, names it in
/// messages (by its last characters).
pub fn find_keyed(conn: &Connection, keyed: &str, typed: Option<&str>) -> Result<Voucher> {
    let row: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT id, customer_id FROM vouchers WHERE code = ?1",
            [keyed],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .db()?;
    let (id, customer_id) = row.ok_or_else(|| match typed {
        Some(t) => Error::not_found(format!("no voucher has the code {}", hint(t))),
        None => Error::not_found("no voucher has this code"),
    })?;
    let balance: i64 = conn
        .query_row(
            "SELECT coalesce(sum(amount_minor), 0) FROM voucher_movements WHERE voucher_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .db()?;
    Ok(Voucher {
        id,
        code: typed.map(hint).unwrap_or_default(),
        customer_id,
        balance_minor: balance,
    })
}

fn movement(
    tx: &mut WriteTx<'_>,
    voucher_id: &str,
    kind: &str,
    amount: i64,
    ref_id: Option<&str>,
    staff_id: &str,
) -> Result<()> {
    let id = new_id();
    let now = tx.now_ts();
    tx.exec(
        "INSERT INTO voucher_movements (id, voucher_id, kind, amount_minor, ref_id, staff_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, voucher_id, kind, amount, ref_id, staff_id, now],
    )?;
    tx.record_change(
        "voucher_movements",
        &id,
        ChangeOp::Insert,
        &json!({"voucher_id": voucher_id, "kind": kind, "amount_minor": amount, "ref_id": ref_id, "staff_id": staff_id, "created_at": now}),
    )
}

/// Issues a voucher worth `amount` (store credit when `customer_id` is given). The answer
/// carries the code in the clear, the only time it is known; the store keeps its keyed hash.
pub fn issue(
    tx: &mut WriteTx<'_>,
    key: &StoreKey,
    store_id: &str,
    amount: i64,
    customer_id: Option<&str>,
    ref_id: Option<&str>,
    staff_id: &str,
) -> Result<Voucher> {
    if amount <= 0 {
        return Err(Error::invalid_input(
            "a voucher must be worth more than zero",
        ));
    }
    let id = new_id();
    let code = new_code();
    let keyed = code_key(key, &code);
    let now = tx.now_ts();
    tx.exec(
        "INSERT INTO vouchers (id, store_id, code, customer_id, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, store_id, keyed, customer_id, staff_id, now],
    )?;
    tx.record_change(
        "vouchers",
        &id,
        ChangeOp::Insert,
        &json!({"store_id": store_id, "code": keyed, "customer_id": customer_id, "created_by": staff_id, "created_at": now}),
    )?;
    movement(tx, &id, "issue", amount, ref_id, staff_id)?;
    tx.audit(
        AuditInput::new("voucher.issued")
            .by(staff_id)
            .on("voucher", &id)
            .after(json!({"amount_minor": amount, "customer_id": customer_id})),
    )?;
    Ok(Voucher {
        id,
        code,
        customer_id: customer_id.map(str::to_string),
        balance_minor: amount,
    })
}

/// Takes `amount` off the voucher whose stored code is `keyed` ([`code_key`]) for a payment;
/// refuses more than its balance.
pub fn redeem(
    tx: &mut WriteTx<'_>,
    keyed: &str,
    amount: i64,
    payment_id: &str,
    staff_id: &str,
) -> Result<String> {
    let v = find_keyed(tx, keyed, None)?;
    if amount > v.balance_minor {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!(
                "the voucher has {} left, less than the {} asked",
                v.balance_minor, amount
            ),
        ));
    }
    movement(tx, &v.id, "redeem", -amount, Some(payment_id), staff_id)?;
    Ok(v.id)
}

/// Puts `amount` back on a voucher (a refund of a voucher payment).
pub fn credit(
    tx: &mut WriteTx<'_>,
    voucher_id: &str,
    amount: i64,
    ref_id: &str,
    staff_id: &str,
) -> Result<()> {
    movement(tx, voucher_id, "refund", amount, Some(ref_id), staff_id)
}
