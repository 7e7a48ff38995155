//! Merging staff and their credentials, and what no applier knows: one email made on two
//! devices, a backup code used on two devices, TOTP steps by maximum, unknown entities and
//! forged entries of this device's own audit chain, and changes that break a rule.

mod support;

use kassa_domain::role::Role;
use kassa_store::foundation::apply::apply_remote;
use kassa_store::foundation::audit;
use kassa_store::foundation::ids::new_id;
use kassa_store::identity::staff::{self, NewCredentials, NewStaff, insert_active};
use kassa_store::{ChangeOp, Store};
use kassa_sync_protocol::Change;
use serde_json::json;
use support::sync::{Log, conflicts, dump, first_device, joined_device, page, ship};

fn exchange(log: &mut Log, a: &mut Store, b: &mut Store) {
    for _ in 0..2 {
        log.push(a);
        log.push(b);
        log.pull(a);
        log.pull(b);
    }
}

fn change(entity: &str, id: &str, op: ChangeOp, payload: serde_json::Value, hlc: u64) -> Change {
    Change {
        change_id: new_id(),
        entity: entity.into(),
        entity_id: id.into(),
        op,
        payload,
        hlc,
        device_id: "0190ffff-0000-7000-8000-0000000000aa".into(),
    }
}

fn stamp(offset_ms: i64) -> u64 {
    ((chrono::Utc::now().timestamp_millis() + offset_ms) as u64) << 16
}

#[test]
fn one_email_made_on_two_offline_devices_keeps_one_person_and_records_a_conflict() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);
    let creds = NewCredentials::prepare("another good long password").unwrap();
    let mut ids = Vec::new();
    for s in [&mut a, &mut b] {
        let key = s.store_key().unwrap().clone_key();
        let who = NewStaff {
            store_id: &store_id,
            email: "sam@example.com",
            display_name: "Sam",
            role: Role::Cashier,
        };
        ids.push(
            s.write(|tx| insert_active(tx, &key, &who, &creds, Some(&admin)))
                .unwrap(),
        );
    }
    exchange(&mut log, &mut a, &mut b);
    for s in [&a, &b] {
        let first = staff::get(s.conn(), &ids[0]).unwrap();
        let second = staff::get(s.conn(), &ids[1]).unwrap();
        assert_eq!(first.email, "sam@example.com");
        assert!(
            second.email.starts_with("sam@example.com~"),
            "{}",
            second.email
        );
        assert_eq!(second.status.as_str(), "disabled");
        assert_eq!(conflicts(s.conn(), "duplicate_staff_email"), 1);
        assert!(audit::verify(s.conn()).unwrap().ok);
    }
    assert_eq!(dump(a.conn()), dump(b.conn()));
}

#[test]
fn a_backup_code_used_on_two_devices_counts_once_and_is_flagged() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);
    let code: String = a
        .conn()
        .query_row(
            "SELECT id FROM backup_codes WHERE staff_id = ?1 LIMIT 1",
            [&admin],
            |r| r.get(0),
        )
        .unwrap();
    let used_on_a = change(
        "backup_codes",
        &code,
        ChangeOp::Event,
        json!({"used_at": "2026-01-01T10:00:00.000Z", "used_device": "A"}),
        stamp(-2000),
    );
    let used_on_b = change(
        "backup_codes",
        &code,
        ChangeOp::Event,
        json!({"used_at": "2026-01-01T10:05:00.000Z", "used_device": "B"}),
        stamp(-1000),
    );
    apply_remote(&mut a, &page(std::slice::from_ref(&used_on_a), 100), 100).unwrap();
    apply_remote(&mut b, &page(std::slice::from_ref(&used_on_b), 100), 100).unwrap();
    apply_remote(&mut a, &page(&[used_on_b], 101), 101).unwrap();
    apply_remote(&mut b, &page(&[used_on_a], 101), 101).unwrap();
    for s in [&a, &b] {
        let (at, device): (String, String) = s
            .conn()
            .query_row(
                "SELECT used_at, used_device FROM backup_codes WHERE id = ?1",
                [&code],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            (at.as_str(), device.as_str()),
            ("2026-01-01T10:00:00.000Z", "A")
        );
        assert_eq!(conflicts(s.conn(), "backup_code_reused"), 1);
    }
}

#[test]
fn a_used_totp_step_stays_used_whatever_arrives_later() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, store_id, admin) = first_device(da.path());
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);
    let high = change(
        "staff",
        &admin,
        ChangeOp::Upsert,
        json!({"totp_last_step": 900}),
        stamp(-5000),
    );
    let low = change(
        "staff",
        &admin,
        ChangeOp::Upsert,
        json!({"totp_last_step": 800}),
        stamp(-1000),
    );
    apply_remote(&mut b, &page(&[high, low], 100), 101).unwrap();
    assert_eq!(
        staff::get(b.conn(), &admin).unwrap().totp_last_step,
        Some(900)
    );
}

#[test]
fn an_unknown_entity_is_parked_with_its_reason_and_a_forged_own_entry_is_refused() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, store_id, _) = first_device(da.path());
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);
    let own = kassa_store::foundation::device::device(b.conn())
        .unwrap()
        .unwrap()
        .id;
    let unknown = change(
        "no_such_entity",
        &new_id(),
        ChangeOp::Upsert,
        json!({"at": "noon"}),
        stamp(0),
    );
    let forged = change(
        "audit_log",
        &new_id(),
        ChangeOp::Insert,
        json!({"device_id": own, "device_seq": 2, "at_utc": "2026-01-01T00:00:00.000Z",
               "clock_offset_ms": 0, "action": "forged", "prev_hash": "00", "hash": "11"}),
        stamp(0),
    );
    let report = apply_remote(&mut b, &page(&[unknown, forged], 500), 501).unwrap();
    assert_eq!(report.parked, 1, "{report:?}");
    let reason: String = b
        .conn()
        .query_row("SELECT reason FROM parked_changes", [], |r| r.get(0))
        .unwrap();
    assert!(
        reason.contains("no applier for 'no_such_entity'"),
        "{reason}"
    );
    assert_eq!(conflicts(b.conn(), "audit_fork"), 1);
    assert!(audit::verify(b.conn()).unwrap().ok);
    // Nothing of it reached B's outbox.
    let outbox: i64 = b
        .conn()
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(outbox, 1, "only B's own joining entry");
}

#[test]
fn one_invitation_accepted_on_two_devices_keeps_the_first_acceptance_everywhere() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    let creds = NewCredentials::prepare("another good long password").unwrap();
    let key = a.store_key().unwrap().clone_key();
    let (inv, other) = a
        .write(|tx| {
            let (inv, _code) = kassa_store::identity::invitation::invite(
                tx,
                "pat@example.com",
                Some("Pat"),
                Role::Cashier,
                &admin,
            )?;
            let who = NewStaff {
                store_id: &store_id,
                email: "kim@example.com",
                display_name: "Kim",
                role: Role::Cashier,
            };
            Ok((inv, insert_active(tx, &key, &who, &creds, Some(&admin))?))
        })
        .unwrap();
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);
    // Two acceptances, each naming the person it made (existing rows, to keep it small).
    let first = change(
        "invitations",
        &inv.id,
        ChangeOp::Upsert,
        json!({"accepted_at": "2026-01-01T09:00:00.000Z", "staff_id": admin}),
        stamp(1000),
    );
    let mut second = change(
        "invitations",
        &inv.id,
        ChangeOp::Upsert,
        json!({"accepted_at": "2026-01-01T09:01:00.000Z", "staff_id": other}),
        stamp(2000),
    );
    second.device_id = "0190ffff-0000-7000-8000-0000000000bb".into();
    apply_remote(&mut a, &page(&[second.clone(), first.clone()], 100), 101).unwrap();
    apply_remote(&mut b, &page(&[first, second], 100), 101).unwrap();
    for s in [&a, &b] {
        let (at, by): (String, String) = s
            .conn()
            .query_row(
                "SELECT accepted_at, staff_id FROM invitations WHERE id = ?1",
                [&inv.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            (at.as_str(), by.as_str()),
            ("2026-01-01T09:00:00.000Z", admin.as_str())
        );
        assert_eq!(conflicts(s.conn(), "invitation_accepted_twice"), 1);
    }
}

#[test]
fn a_change_that_breaks_a_rule_is_parked_with_its_reason_and_the_page_goes_on() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, store_id, _) = first_device(da.path());
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);
    let bad_price = change(
        "products",
        &new_id(),
        ChangeOp::Upsert,
        json!({"store_id": store_id, "sku": "NEG", "name": "Negative", "kind": "product", "price_minor": -5}),
        stamp(0),
    );
    let not_an_object = change("settings", "x:y", ChangeOp::Upsert, json!([1, 2]), stamp(0));
    let good = change(
        "settings",
        &format!("{store_id}:sell.max_discount_bp"),
        ChangeOp::Upsert,
        json!({"store_id": store_id, "key": "sell.max_discount_bp", "value": 700}),
        stamp(0),
    );
    let report = apply_remote(&mut b, &page(&[bad_price, not_an_object, good], 500), 502).unwrap();
    assert_eq!((report.applied, report.parked), (1, 2), "{report:?}");
    let v = kassa_store::foundation::settings::get(b.conn(), &store_id, "sell.max_discount_bp");
    assert_eq!(v.unwrap().as_int(), Some(700));
    let reasons: Vec<String> = b
        .conn()
        .prepare("SELECT reason FROM parked_changes ORDER BY server_seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(reasons[0].starts_with("conflict:"), "{reasons:?}");
    assert!(reasons[1].starts_with("invalid_input:"), "{reasons:?}");
    assert_eq!(
        kassa_store::foundation::apply::cursor(b.conn()).unwrap(),
        502
    );
}

/// Signs the admin in on `store` with the authenticator code of `store`'s own clock.
fn sign_in_admin(
    store: &mut Store,
    secret: &[u8],
) -> kassa_store::Result<kassa_store::identity::auth::SignedIn> {
    let now = store.clock().now().timestamp() as u64;
    let code = kassa_domain::totp::code_at(secret, now).unwrap();
    kassa_store::identity::auth::sign_in(
        store,
        "admin@example.com",
        "correct horse battery staple",
        kassa_store::identity::auth::SecondFactor::Totp(&code),
        kassa_store::identity::session::Surface::Desktop,
    )
}

#[test]
fn a_device_whose_clock_runs_days_ahead_cannot_use_up_everyones_codes() {
    use kassa_store::foundation::device::{JoinParams, SetupParams, join, setup};
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut a = support::open(dirs[0].path());
    let out = setup(
        &mut a,
        SetupParams {
            store_name: "Corner Shop".into(),
            store_code: Some("CORN".into()),
            currency: "EUR".into(),
            device_name: None,
            admin_email: "admin@example.com".into(),
            admin_name: None,
            password: "correct horse battery staple".into(),
            demo: false,
        },
    )
    .unwrap();
    let far = std::sync::Arc::new(kassa_store::FixedClock::new(
        chrono::Utc::now() + chrono::Duration::days(3),
    ));
    let mut b = Store::open(
        dirs[1].path(),
        far,
        kassa_store::KeySource::ExplicitKeys {
            device: support::KEY,
            store: support::STORE_KEY,
        },
    )
    .unwrap();
    join(
        &mut b,
        JoinParams {
            store_id: out.store_id.clone(),
            device_id: new_id(),
            device_code: "02".into(),
            device_name: "Till 2".into(),
        },
    )
    .unwrap();
    let mut c = joined_device(dirs[2].path(), &out.store_id, "03");
    let mut log = Log::default();
    log.push(&a);
    log.pull(&mut b);
    log.pull(&mut c);
    // The admin signs in on the device whose clock is three days ahead; everyone hears of it.
    sign_in_admin(&mut b, &out.totp_secret).unwrap();
    for _ in 0..2 {
        for s in [&mut a, &mut b, &mut c] {
            log.push(s);
        }
        for s in [&mut a, &mut b, &mut c] {
            log.pull(s);
        }
    }
    // A fresh code still opens A...
    sign_in_admin(&mut a, &out.totp_secret).expect("a fresh code on a device with a sound clock");
    for _ in 0..2 {
        for s in [&mut a, &mut b, &mut c] {
            log.push(s);
        }
        for s in [&mut a, &mut b, &mut c] {
            log.pull(s);
        }
    }
    // ...and once used there, the same code is refused on A and on C.
    for s in [&mut a, &mut c] {
        let err = sign_in_admin(s, &out.totp_secret).unwrap_err();
        assert_eq!(err.code, kassa_domain::ErrorCode::TotpReused, "{err}");
    }
    for s in [&mut a, &mut b, &mut c] {
        log.push(s);
    }
    for s in [&mut a, &mut b, &mut c] {
        log.pull(s);
    }
    assert_eq!(dump(a.conn()), dump(b.conn()));
    assert_eq!(dump(a.conn()), dump(c.conn()));
}

/// A wrong password for the admin on `store`: the error's code.
fn wrong_password(store: &mut Store) -> kassa_store::ErrorCode {
    kassa_store::identity::auth::sign_in(
        store,
        "admin@example.com",
        "not the password at all",
        kassa_store::identity::auth::SecondFactor::Totp("000000"),
        kassa_store::identity::session::Surface::Desktop,
    )
    .map(|_| ())
    .expect_err("a wrong password is refused")
    .code
}

#[test]
fn failed_sign_ins_on_two_devices_count_together_and_an_unlock_on_one_clears_both() {
    use kassa_store::ErrorCode;
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, store_id, admin) = first_device(da.path());
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);
    // Offline, someone tries six passwords on one till and four on the other: neither till
    // alone has seen ten.
    for _ in 0..6 {
        assert_eq!(wrong_password(&mut a), ErrorCode::InvalidCredentials);
    }
    for _ in 0..4 {
        assert_eq!(wrong_password(&mut b), ErrorCode::InvalidCredentials);
    }
    for (s, n) in [(&a, 6), (&b, 4)] {
        let m = staff::get(s.conn(), &admin).unwrap();
        assert_eq!((m.failed_attempts, m.locked_until), (n, None));
    }
    exchange(&mut log, &mut a, &mut b);
    // Counted per account once the tills have met: ten failures lock it on both, from the
    // same moment.
    let (ma, mb) = (
        staff::get(a.conn(), &admin).unwrap(),
        staff::get(b.conn(), &admin).unwrap(),
    );
    assert_eq!(ma.failed_attempts, 10);
    assert!(ma.locked_until.is_some());
    assert_eq!(
        (ma.failed_attempts, ma.locked_until),
        (mb.failed_attempts, mb.locked_until)
    );
    let before = (dump(a.conn()), dump(b.conn()));
    exchange(&mut log, &mut a, &mut b);
    assert_eq!(
        (dump(a.conn()), dump(b.conn())),
        before,
        "applying twice changes nothing"
    );

    // An admin unlocks the account on A; B lets the person try again after the next sync.
    a.write(|tx| {
        let member = staff::get(tx, &admin)?;
        staff::unlock(
            tx,
            &member,
            kassa_store::AuditInput::new("staff.unlocked").by(&admin),
        )
    })
    .unwrap();
    exchange(&mut log, &mut a, &mut b);
    for s in [&a, &b] {
        let m = staff::get(s.conn(), &admin).unwrap();
        assert_eq!((m.failed_attempts, m.locked_until), (0, None));
    }
    // Failures after the unlock count from zero, on both.
    assert_eq!(wrong_password(&mut b), ErrorCode::InvalidCredentials);
    exchange(&mut log, &mut a, &mut b);
    for s in [&a, &b] {
        assert_eq!(staff::get(s.conn(), &admin).unwrap().failed_attempts, 1);
    }
    assert_eq!(dump(a.conn()), dump(b.conn()));
}

#[test]
fn a_sealed_again_secret_that_names_no_version_is_parked_and_changes_nothing() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, store_id, admin) = first_device(da.path());
    let mut b = joined_device(db.path(), &store_id, "02");
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);
    let held = dump(b.conn());
    let reseal = |from: serde_json::Value, secret: serde_json::Value| {
        change(
            "staff",
            &admin,
            ChangeOp::Upsert,
            json!({"totp_secret_enc": secret, "resealed_from": from}),
            stamp(0),
        )
    };
    let bad = [
        reseal(json!({"hlc": "soon", "device_id": "x"}), json!("AAAA")),
        reseal(json!({"hlc": 1}), json!("AAAA")),
        reseal(json!({"hlc": 1, "device_id": "x"}), json!(null)),
        reseal(json!({"hlc": 1, "device_id": "x"}), json!("not base64!")),
    ];
    let from = log.entries.len() as u64 + 1;
    let report = apply_remote(&mut b, &page(&bad, from), from + 3).unwrap();
    assert_eq!((report.applied, report.parked), (0, 4), "{report:?}");
    let reasons: Vec<String> = b
        .conn()
        .prepare("SELECT reason FROM parked_changes ORDER BY server_seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        reasons.iter().all(|r| r.starts_with("invalid_input:")),
        "{reasons:?}"
    );
    assert_eq!(dump(b.conn()), held);
}
