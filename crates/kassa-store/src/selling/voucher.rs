//! Gift vouchers and store credit: a code with a balance that is the sum of its ledger.

use crate::SqlResult;
use crate::foundation::ids::new_id;
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

/// A voucher and what is left on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voucher {
    pub id: String,
    pub code: String,
    pub customer_id: Option<String>,
    pub balance_minor: i64,
}

/// The voucher with `code`, and its balance.
pub fn find(conn: &Connection, code: &str) -> Result<Voucher> {
    let code = normalize(code);
    let row: Option<(String, String, Option<String>)> = conn
        .query_row(
            "SELECT id, code, customer_id FROM vouchers WHERE code = ?1",
            [&code],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .db()?;
    let (id, code, customer_id) =
        row.ok_or_else(|| Error::not_found(format!("no voucher has the code {code}")))?;
    let balance: i64 = conn
        .query_row(
            "SELECT coalesce(sum(amount_minor), 0) FROM voucher_movements WHERE voucher_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .db()?;
    Ok(Voucher {
        id,
        code,
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

/// Issues a voucher worth `amount` (store credit when `customer_id` is given).
pub fn issue(
    tx: &mut WriteTx<'_>,
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
    let now = tx.now_ts();
    tx.exec(
        "INSERT INTO vouchers (id, store_id, code, customer_id, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, store_id, code, customer_id, staff_id, now],
    )?;
    tx.record_change(
        "vouchers",
        &id,
        ChangeOp::Insert,
        &json!({"store_id": store_id, "code": code, "customer_id": customer_id, "created_by": staff_id, "created_at": now}),
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

/// Takes `amount` off the voucher with `code` for a payment; refuses more than its balance.
pub fn redeem(
    tx: &mut WriteTx<'_>,
    code: &str,
    amount: i64,
    payment_id: &str,
    staff_id: &str,
) -> Result<String> {
    let v = find(tx, code)?;
    if amount > v.balance_minor {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!(
                "the voucher {} has {} left, less than the {} asked",
                v.code, v.balance_minor, amount
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
