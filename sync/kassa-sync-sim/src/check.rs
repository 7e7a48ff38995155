//! What must hold once the network is quiet: every device holds the same truth as the
//! server, stock is the sum of its movements, every sale is there once with its own receipt
//! number, every impossible combination is a conflict on every device, and every audit
//! chain verifies.

use crate::world::{Device, Sale};
use kassa_store::Connection;
use kassa_store::catalog::stock;
use kassa_store::foundation::audit;
use kassa_store::foundation::outbox::pending_changes;
use kassa_store::foundation::tables::{TABLES, TableClass};

/// Checks every rule; the number of conflicts recorded, or what broke.
pub(crate) fn all(
    devices: &[&Device],
    sales: &[&Sale],
    failed_sign_ins: u64,
) -> Result<u64, String> {
    let mut reference: Option<(usize, Vec<String>)> = None;
    let mut locks: Option<Vec<String>> = None;
    let mut conflict_sets: Option<Vec<String>> = None;
    for dev in devices {
        let s = dev.lock();
        let c = s.conn();
        let d = dev.index;
        let waiting = pending_changes(c, 10)
            .map_err(|e| format!("d{d}: outbox: {e}"))?
            .len();
        if waiting > 0 {
            return Err(format!("d{d} still has {waiting} changes in its outbox"));
        }
        let bad = stock::verify_levels(c).map_err(|e| format!("d{d}: stock: {e}"))?;
        if !bad.is_empty() {
            return Err(format!(
                "d{d}: stock levels differ from the movements for {bad:?}"
            ));
        }
        let chain = audit::verify(c).map_err(|e| format!("d{d}: audit: {e}"))?;
        if !chain.ok {
            return Err(format!(
                "d{d}: an audit chain does not verify: {:?}",
                chain.first_bad
            ));
        }
        sales_once(c, d, sales)?;
        // Every failed sign-in any device recorded is here once, and each account's count
        // and lock, derived from them, are the same on every device.
        let failures = rows(
            c,
            "SELECT CAST(count(*) AS TEXT) FROM sign_in_events WHERE kind = 'failure'",
        )?;
        if failures != [failed_sign_ins.to_string()] {
            return Err(format!(
                "d{d} holds {failures:?} failed sign-ins where the devices recorded {failed_sign_ins}"
            ));
        }
        let held = rows(
            c,
            "SELECT staff_id || ' ' || failed_attempts || ' ' || coalesce(locked_until, '-')
               FROM staff_lockout ORDER BY 1",
        )?;
        match &locks {
            None => locks = Some(held),
            Some(first) if *first != held => {
                return Err(format!(
                    "d{d} counts failed sign-ins otherwise than d0: {}",
                    first_difference(first, &held)
                ));
            }
            Some(_) => {}
        }
        currency_settled(c, d)?;
        over_refunds_flagged(c, d)?;
        crossed_counts_flagged(c, d)?;
        oversold_flagged(c, d)?;
        never_oversold(c, d)?;
        // A clock seen running ahead is what this device saw against its own clock; every
        // other conflict is found the same way everywhere.
        let conflicts = rows(
            c,
            "SELECT id || ' ' || kind || ' ' || entity || ' ' || entity_id FROM conflicts
              WHERE kind <> 'clock_ahead' ORDER BY 1",
        )?;
        match &conflict_sets {
            None => conflict_sets = Some(conflicts),
            Some(first) if *first != conflicts => {
                return Err(format!(
                    "d{d} recorded other conflicts than d0: {}",
                    first_difference(first, &conflicts)
                ));
            }
            Some(_) => {}
        }
        let dump = dump(c)?;
        match &reference {
            None => reference = Some((d, dump)),
            Some((r, first)) if *first != dump => {
                return Err(format!(
                    "d{d} does not hold what d{r} holds: {}",
                    first_difference(first, &dump)
                ));
            }
            Some(_) => {}
        }
    }
    Ok(conflict_sets.map_or(0, |c| c.len() as u64))
}

/// The store's currency is its first sale's, whatever a device offline set, and sales taken
/// in another currency are a manager's task.
fn currency_settled(c: &Connection, d: usize) -> Result<(), String> {
    let first = rows(
        c,
        "SELECT currency FROM orders ORDER BY created_at, id LIMIT 1",
    )?;
    let Some(first) = first.first() else {
        return Ok(());
    };
    let held = rows(c, "SELECT currency FROM stores")?;
    if held != [first.clone()] {
        return Err(format!(
            "d{d}: the store's currency is {held:?}, its first sale was taken in {first}"
        ));
    }
    let others = rows(
        c,
        "SELECT CAST(count(*) AS TEXT) FROM orders WHERE currency <> (SELECT currency FROM stores)",
    )?;
    let tasks = rows(
        c,
        "SELECT CAST(count(*) AS TEXT) FROM conflicts WHERE kind = 'currency_kept'",
    )?;
    if others != ["0"] && tasks != ["1"] {
        return Err(format!(
            "d{d}: {others:?} sales in another currency and {tasks:?} currency tasks"
        ));
    }
    Ok(())
}

/// Every sale the tills made is there exactly once, and no receipt number is held twice.
fn sales_once(c: &Connection, d: usize, sales: &[&Sale]) -> Result<(), String> {
    let mut want: Vec<String> = sales
        .iter()
        .map(|s| format!("{} {}", s.order_id, s.number))
        .collect();
    want.sort();
    let mut have = rows(c, "SELECT id || ' ' || number FROM orders")?;
    have.sort();
    if want != have {
        return Err(format!(
            "d{d}: the orders are not the sales made ({} made, {} here): {}",
            want.len(),
            have.len(),
            first_difference(&want, &have)
        ));
    }
    let twice = rows(
        c,
        "SELECT number FROM orders GROUP BY number HAVING count(*) > 1",
    )?;
    if !twice.is_empty() {
        return Err(format!("d{d}: receipt numbers held twice: {twice:?}"));
    }
    Ok(())
}

/// Every device of the simulation is paired and sells only seats the server granted it, so
/// no pool ever holds more booked seats than it has, whatever the devices did offline.
fn never_oversold(c: &Connection, d: usize) -> Result<(), String> {
    let oversold = rows(
        c,
        "SELECT p.id || ' ' || p.seats || ' < ' || (SELECT coalesce(sum(b.seats), 0) FROM bookings b
                 JOIN departures x ON x.id = b.departure_id
                WHERE x.pool_id = p.id AND b.status IN ('held', 'confirmed', 'paid', 'completed'))
           FROM capacity_pools p
          WHERE p.seats < (SELECT coalesce(sum(b.seats), 0) FROM bookings b
                             JOIN departures x ON x.id = b.departure_id
                            WHERE x.pool_id = p.id AND b.status IN ('held', 'confirmed', 'paid', 'completed'))
          ORDER BY 1",
    )?;
    if oversold.is_empty() {
        Ok(())
    } else {
        Err(format!("d{d}: pools oversold: {oversold:?}"))
    }
}

/// A departure whose pool holds more booked seats than it has is a `departure_oversold`
/// conflict on that departure, and a departure that is not oversold has none: seats booked
/// never exceed capacity unseen, whatever the devices did offline.
fn oversold_flagged(c: &Connection, d: usize) -> Result<(), String> {
    let oversold = rows(
        c,
        "SELECT dep.id FROM departures dep JOIN capacity_pools p ON p.id = dep.pool_id
          WHERE p.seats < (SELECT coalesce(sum(b.seats), 0) FROM bookings b
                             JOIN departures x ON x.id = b.departure_id
                            WHERE x.pool_id = p.id
                              AND b.status IN ('held', 'confirmed', 'paid', 'completed'))
          ORDER BY dep.id",
    )?;
    let flagged = rows(
        c,
        "SELECT entity_id FROM conflicts WHERE kind = 'departure_oversold' ORDER BY entity_id",
    )?;
    if oversold != flagged {
        return Err(format!(
            "d{d}: departures oversold {oversold:?}, flagged {flagged:?}"
        ));
    }
    Ok(())
}

/// An order whose refunds return more of a line than was sold, or more money than was
/// paid, is a conflict about that order.
fn over_refunds_flagged(c: &Connection, d: usize) -> Result<(), String> {
    let over = rows(
        c,
        "SELECT DISTINCT o.id FROM orders o
          WHERE EXISTS (SELECT 1 FROM order_lines l
                         WHERE l.order_id = o.id
                           AND l.quantity < (SELECT ifnull(sum(rl.quantity), 0)
                                               FROM refund_lines rl WHERE rl.order_line_id = l.id))
             OR o.total_minor < (SELECT ifnull(sum(r.amount_minor), 0)
                                   FROM refunds r WHERE r.order_id = o.id)",
    )?;
    for order in over {
        let flagged: bool = c
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM conflicts WHERE entity_id = ?1)",
                [&order],
                |r| r.get(0),
            )
            .map_err(|e| e.to_string())?;
        if !flagged {
            return Err(format!(
                "d{d}: order {order} was refunded past what it sold, and no conflict says so"
            ));
        }
    }
    Ok(())
}

/// Two counts of one item at one location on the same basis, from different devices, are a
/// conflict about that item, location and basis.
fn crossed_counts_flagged(c: &Connection, d: usize) -> Result<(), String> {
    let crossed = rows(
        c,
        "SELECT DISTINCT m.product_id || ':' || m.location_id || ':' || ifnull(m.count_basis, '-')
           FROM stock_movements m
          WHERE m.kind = 'count'
            AND EXISTS (SELECT 1 FROM stock_movements o
                         WHERE o.kind = 'count' AND o.product_id = m.product_id
                           AND o.location_id = m.location_id
                           AND o.count_basis IS m.count_basis AND o.device_id <> m.device_id)",
    )?;
    for key in crossed {
        let flagged: bool = c
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM conflicts
                                 WHERE kind = 'concurrent_stock_counts' AND entity_id = ?1)",
                [&key],
                |r| r.get(0),
            )
            .map_err(|e| e.to_string())?;
        if !flagged {
            return Err(format!(
                "d{d}: two devices counted {key} without knowing of each other, and no conflict says so"
            ));
        }
    }
    Ok(())
}

fn rows(c: &Connection, sql: &str) -> Result<Vec<String>, String> {
    let mut st = c.prepare(sql).map_err(|e| format!("{sql}: {e}"))?;
    let out = st
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(|e| format!("{sql}: {e}"))?
        .collect::<Result<Vec<String>, _>>()
        .map_err(|e| format!("{sql}: {e}"))?;
    Ok(out)
}

/// Columns that are a device's own bookkeeping, not synced content.
const LOCAL_COLUMNS: &[&str] = &["num", "created_at", "updated_at"];

/// Every synced table's rows, sorted, without local bookkeeping: devices holding the same
/// truth have the same dump.
fn dump(c: &Connection) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for (table, class, _) in TABLES {
        if matches!(class, TableClass::DeviceLocal | TableClass::Derived) {
            continue;
        }
        let cols = rows(
            c,
            &format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
        )?;
        if cols.is_empty() {
            continue;
        }
        let cols: Vec<String> = cols
            .into_iter()
            .filter(|col| !LOCAL_COLUMNS.contains(&col.as_str()))
            .filter(|col| !(*table == "customer_addresses" && col == "id"))
            .map(|col| format!("quote(\"{col}\")"))
            .collect();
        let mut table_rows = rows(
            c,
            &format!(
                "SELECT '{table}: ' || {} FROM \"{table}\"",
                cols.join(" || ',' || ")
            ),
        )?;
        table_rows.sort();
        out.extend(table_rows);
    }
    Ok(out)
}

fn first_difference(a: &[String], b: &[String]) -> String {
    let only_a: Vec<&String> = a.iter().filter(|x| !b.contains(x)).take(3).collect();
    let only_b: Vec<&String> = b.iter().filter(|x| !a.contains(x)).take(3).collect();
    format!("only in the first: {only_a:?}; only in the second: {only_b:?}")
}
