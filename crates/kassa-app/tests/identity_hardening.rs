//! Identity and the audit trail, hardened: one gate for a forced password change on every
//! command, a password change that ends one's other sessions, no typed identifier kept in the
//! audit trail, ledgers that refuse UPDATE and DELETE, a per-device printer that is never a
//! file, and a wrong PIN that is always an error.

mod common;

use common::Device;
use common::samples::sample_input;
use kassa_app::dto::*;
use kassa_app::{Api, KeySource, Surface, commands};

const NEW_PASSWORD: &str = "violet kettles hum at dawn";

/// The commands that work while an admin's reset waits for a new password: those that need
/// nobody signed in, changing the password itself, leaving, and the lock screen.
const BEFORE_PASSWORD_CHANGE: &[&str] = &[
    "app_status",
    "setup",
    "login",
    "sync_status",
    "audit_verify",
    "invitation_check",
    "staff_accept",
    "logout",
    "switch_user",
    "session_lock",
    "session_unlock",
    "session_activity",
    "account_change_password",
];

fn staff_id(d: &Device, email: &str) -> String {
    d.api
        .staff_list(NoInput {})
        .unwrap()
        .staff
        .into_iter()
        .find(|s| s.email == email)
        .unwrap()
        .id
}

/// Resets the cashier's password as the admin and signs the cashier in with the temporary one.
fn cashier_with_a_forced_change(d: &Device) -> String {
    let cashier = d.person("cashier").clone();
    d.sign_in("admin");
    let id = staff_id(d, &cashier.email);
    let temporary = d
        .api
        .staff_reset_password(StaffRef { staff_id: id })
        .unwrap()
        .temporary_password;
    let s = d
        .login(&cashier.email, &temporary, &cashier.totp_secret)
        .unwrap();
    assert!(s.must_change_password);
    temporary
}

#[test]
fn a_forced_password_change_stops_every_command_but_the_change_itself() {
    let d = Device::demo();
    let temporary = cashier_with_a_forced_change(&d);
    let mut let_through = Vec::new();
    for (name, _, _, _) in commands::table() {
        if BEFORE_PASSWORD_CHANGE.contains(&name) {
            continue;
        }
        let input = sample_input(name)
            .unwrap_or_else(|| panic!("no sample input for '{name}' in tests/common/samples.rs"));
        let before = d.footprint();
        match commands::dispatch(&d.api, name, input) {
            Err(e) if e.code == "forbidden" && e.message.contains("reset your password") => {}
            other => let_through.push(format!("{name}: {other:?}")),
        }
        assert_eq!(d.footprint(), before, "{name} wrote something");
    }
    assert!(let_through.is_empty(), "{let_through:#?}");
    // The session is still there, and changing the password opens every command again.
    d.api
        .account_change_password(ChangePasswordInput {
            current_password: temporary,
            new_password: NEW_PASSWORD.into(),
        })
        .unwrap();
    d.api.settings_list(NoInput {}).unwrap();
    d.api.orders_recent(OrdersInput::default()).unwrap();
}

#[test]
fn changing_ones_own_password_ends_ones_other_sessions_and_keeps_this_one() {
    let d = Device::demo();
    let manager = d.person("manager").clone();
    // The manager is signed in in the CLI of the same device as well.
    let cli = Api::open_with(
        d.data_dir(),
        Surface::Cli,
        d.clock.clone(),
        KeySource::ExplicitKeys {
            device: [5; 32],
            store: [77; 32],
        },
    )
    .unwrap();
    let code = d.next_code(&manager.totp_secret);
    cli.login(LoginInput {
        email: manager.email.clone(),
        password: manager.password.clone(),
        totp_code: Some(code),
        backup_code: None,
    })
    .unwrap();
    cli.settings_list(NoInput {}).unwrap();
    d.sign_in("manager");
    d.api
        .account_change_password(ChangePasswordInput {
            current_password: manager.password.clone(),
            new_password: NEW_PASSWORD.into(),
        })
        .unwrap();
    // This session goes on; the other one has ended.
    d.api.settings_list(NoInput {}).unwrap();
    assert!(d.api.app_status(NoInput {}).unwrap().session.is_some());
    let err = cli.settings_list(NoInput {}).unwrap_err();
    assert_eq!(err.code, "unauthenticated", "{}", err.message);
    let changed = d
        .api
        .audit_list(AuditListInput {
            action_prefix: Some("auth.password_changed".into()),
            ..Default::default()
        })
        .unwrap()
        .entries;
    assert_eq!(changed.len(), 1);
}

/// Every text the audit trail and the outbox hold, as one lowercased string.
fn everything_kept(d: &Device) -> String {
    let c = rusqlite::Connection::open(d.data_dir().join("kassa.db")).unwrap();
    let mut all = String::new();
    for sql in [
        "SELECT coalesce(action,'') || ' ' || coalesce(entity,'') || ' ' || coalesce(entity_id,'') || ' ' || coalesce(before,'') || ' ' || coalesce(after,'') FROM audit_log",
        "SELECT entity || ' ' || entity_id || ' ' || payload FROM outbox",
    ] {
        let mut stmt = c.prepare(sql).unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
        for row in rows {
            all.push_str(&row.unwrap().to_lowercase());
            all.push('\n');
        }
    }
    all
}

#[test]
fn a_typed_unknown_email_is_kept_only_as_its_hash_at_sign_in_and_at_approval() {
    let d = Device::demo();
    // A password typed into the email field, at sign-in and at a manager's approval.
    let typed = "  Hunter2-Secret.Pass@Typo ";
    let err = d
        .api
        .login(LoginInput {
            email: typed.into(),
            password: "whatever it was".into(),
            totp_code: Some("123456".into()),
            backup_code: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "invalid_credentials");
    d.sign_in("cashier");
    let own_id = d
        .api
        .app_status(NoInput {})
        .unwrap()
        .session
        .unwrap()
        .user
        .id;
    let err = d
        .api
        .staff_unlock(StaffUnlockInput {
            staff_id: Some(own_id),
            email: None,
            approval: Some(OverrideCredentials {
                email: typed.into(),
                password: Some("whatever it was".into()),
                pin: None,
                totp_code: "123456".into(),
            }),
        })
        .unwrap_err();
    assert_eq!(err.code, "invalid_credentials", "{}", err.message);

    let kept = everything_kept(&d);
    for trace in ["hunter2", "secret.pass", "typo"] {
        assert!(!kept.contains(trace), "the audit trail holds '{trace}'");
    }
    let c = rusqlite::Connection::open(d.data_dir().join("kassa.db")).unwrap();
    let hashed: Vec<String> = c
        .prepare(
            "SELECT after FROM audit_log WHERE after LIKE '%unknown_account%' ORDER BY device_seq",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(hashed.len(), 2, "{hashed:#?}");
    let digests: Vec<String> = hashed
        .iter()
        .map(|after| {
            let v: serde_json::Value = serde_json::from_str(after).unwrap();
            assert!(v.get("email").is_none(), "{after}");
            v["email_sha256"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(digests[0].len(), 64);
    assert_eq!(digests[0], digests[1], "one typed text, one digest");
}

#[test]
fn every_ledger_refuses_update_and_delete() {
    let d = Device::demo();
    d.sign_in("admin");
    d.api
        .shift_open(ShiftOpenInput {
            counts: vec![CountDto {
                denomination_minor: 2000,
                count: 5,
            }],
        })
        .unwrap();
    d.api
        .shift_cash(ShiftCashInput {
            kind: "in".into(),
            amount_minor: 500,
            reason: "change from the bank".into(),
        })
        .unwrap();
    d.api
        .sell(SellInput {
            lines: vec![SellLineInput {
                code: "DAI-OAT-1L".into(),
                quantity: 1,
            }],
            tenders: vec![TenderInput {
                kind: "cash".into(),
                amount_minor: 10_000,
                card_brand: None,
                card_last4: None,
                customer_contact: None,
                card_token: None,
                voucher_code: None,
            }],
            customer_id: None,
            idempotency_key: None,
        })
        .unwrap();
    d.api
        .voucher_issue(VoucherIssueInput {
            amount_minor: 1000,
            customer_id: None,
            approval: None,
        })
        .unwrap();
    let c = rusqlite::Connection::open(d.data_dir().join("kassa.db")).unwrap();
    let ledgers = [
        "audit_log",
        "stock_movements",
        "price_history",
        "cash_movements",
        "order_lines",
        "order_events",
        "voucher_movements",
    ];
    let mut open_doors = Vec::new();
    for table in ledgers {
        let rows: i64 = c
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert!(rows > 0, "{table} has no row to try");
        for sql in [
            format!("UPDATE {table} SET id = id"),
            format!("DELETE FROM {table}"),
        ] {
            match c.execute(&sql, []) {
                Ok(_) => open_doors.push(sql),
                Err(e) => assert!(
                    e.to_string().contains("immutable") || e.to_string().contains("append-only"),
                    "{sql}: {e}"
                ),
            }
        }
        let after: i64 = c
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(after, rows, "{table} lost rows");
    }
    assert!(open_doors.is_empty(), "{open_doors:#?}");
    drop(c);
    assert!(d.api.audit_verify(NoInput {}).unwrap().ok);
}

#[test]
fn the_printer_is_set_per_device_by_an_admin_and_is_never_a_file() {
    let d = Device::demo();
    let set = |value: &str| {
        d.api.settings_set(SettingSetInput {
            key: "printer.target".into(),
            value: SettingValueDto::Text(value.into()),
        })
    };
    let target = |d: &Device| -> String {
        d.api
            .settings_list(NoInput {})
            .unwrap()
            .settings
            .into_iter()
            .find(|s| s.key == "printer.target")
            .map(|s| match s.value {
                SettingValueDto::Text(t) => t,
                other => panic!("{other:?}"),
            })
            .unwrap()
    };
    // A manager may change store settings, but not a device's printer.
    d.sign_in("manager");
    let err = set("/dev/usb/lp0").unwrap_err();
    assert_eq!(err.code, "forbidden", "{}", err.message);
    let editable = d
        .api
        .settings_list(NoInput {})
        .unwrap()
        .settings
        .into_iter()
        .find(|s| s.key == "printer.target")
        .unwrap()
        .editable;
    assert!(!editable);

    d.sign_in("admin");
    set("tcp://192.168.1.50:9100").unwrap();
    for bad in [
        "/tmp/x",
        "../etc/passwd",
        "/home/kassa/receipts.txt",
        "tcp://192.168.1.50",
        "/dev/usb/lp0/../../tmp/x",
    ] {
        let before = d.footprint();
        let err = set(bad).unwrap_err();
        assert_eq!(err.code, "invalid_input", "{bad}: {}", err.message);
        assert_eq!(d.footprint(), before, "{bad}: a refusal wrote something");
        assert_eq!(target(&d), "tcp://192.168.1.50:9100");
    }
    set("/dev/usb/lp0").unwrap();
    assert_eq!(target(&d), "/dev/usb/lp0");
    // Per device: no setting goes to the outbox for the other tills (only the audit entries
    // saying who changed it), and it is kept apart from the store's settings.
    let c = rusqlite::Connection::open(d.data_dir().join("kassa.db")).unwrap();
    let synced: i64 = c
        .query_row(
            "SELECT count(*) FROM outbox WHERE entity <> 'audit_log' AND payload LIKE '%printer.target%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(synced, 0);
    let store_wide: i64 = c
        .query_row(
            "SELECT count(*) FROM settings WHERE key = 'printer.target'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(store_wide, 0);
}

#[test]
fn a_file_stored_as_the_printer_before_is_not_written_to() {
    let d = Device::demo();
    d.sign_in("admin");
    let file = d.data_dir().join("not-a-printer.txt");
    std::fs::write(&file, b"").unwrap();
    // As an older Kassa could have stored it.
    let c = rusqlite::Connection::open(d.data_dir().join("kassa.db")).unwrap();
    c.execute(
        "INSERT INTO device_settings (key, value, updated_at) VALUES ('printer.target', ?1, '2026-11-22T09:00:00.000Z')",
        [serde_json::json!(file.to_string_lossy()).to_string()],
    )
    .unwrap();
    drop(c);
    let sale = d
        .api
        .sell(SellInput {
            lines: vec![SellLineInput {
                code: "DAI-OAT-1L".into(),
                quantity: 1,
            }],
            tenders: vec![TenderInput {
                kind: "cash".into(),
                amount_minor: 10_000,
                card_brand: None,
                card_last4: None,
                customer_contact: None,
                card_token: None,
                voucher_code: None,
            }],
            customer_id: None,
            idempotency_key: None,
        })
        .unwrap();
    let err = d
        .api
        .receipt_print(ReceiptPrintInput {
            order_id: Some(sale.order_id.clone()),
            refund_id: None,
            open_drawer: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "invalid_input", "{}", err.message);
    assert_eq!(std::fs::read(&file).unwrap().len(), 0);
}

#[test]
fn a_wrong_pin_on_a_session_that_is_not_locked_is_an_error() {
    let d = Device::demo();
    let cashier = d.person("cashier").clone();
    d.sign_in("cashier");
    d.api
        .account_set_pin(SetPinInput {
            current_password: cashier.password.clone(),
            pin: "4711".into(),
        })
        .unwrap();
    let unlock = |pin: &str| {
        d.api.session_unlock(UnlockInput {
            pin: Some(pin.into()),
            password: None,
            totp_code: None,
            backup_code: None,
        })
    };
    let err = unlock("0000").unwrap_err();
    assert_eq!(err.code, "invalid_credentials", "{}", err.message);
    assert!(err.message.contains("PIN is wrong"), "{}", err.message);
    // The right PIN on an open session changes nothing and says so.
    let s = unlock("4711").unwrap();
    assert!(!s.locked);
    // And on a locked one it still unlocks.
    d.api.session_lock(NoInput {}).unwrap();
    let err = unlock("1234").unwrap_err();
    assert_eq!(err.code, "invalid_credentials");
    assert!(!unlock("4711").unwrap().locked);
    d.api.settings_list(NoInput {}).unwrap();
}
