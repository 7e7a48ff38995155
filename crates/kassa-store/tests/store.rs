//! The store's promises: changes, outbox entries and audit entries commit together; clocks
//! only move forward; sign-in counts failures and locks at ten.

use chrono::{Duration, TimeZone, Utc};
use kassa_domain::audit::Break;
use kassa_store::foundation::audit::VerifyMode;
use kassa_store::foundation::device::{SetupParams, setup};
use kassa_store::foundation::write::AuditInput;
use kassa_store::identity::auth::{SecondFactor, sign_in};
use kassa_store::identity::session::Surface;
use kassa_store::{
    Clock, ErrorCode, FixedClock, KeySource, Store, foundation::audit, foundation::outbox,
};
use std::sync::Arc;

const PASSWORD: &str = "correct horse battery staple";

fn open(dir: &std::path::Path, clock: Arc<FixedClock>) -> Store {
    Store::open(
        dir,
        clock,
        KeySource::ExplicitKeys {
            device: [9; 32],
            store: [77; 32],
        },
    )
    .unwrap()
}

fn set_up(store: &mut Store) -> kassa_store::foundation::device::SetupOutcome {
    setup(
        store,
        SetupParams {
            store_name: "Corner Shop".into(),
            store_code: None,
            currency: "EUR".into(),
            device_name: None,
            admin_email: "a@example.com".into(),
            admin_name: None,
            password: PASSWORD.into(),
            demo: false,
        },
    )
    .unwrap()
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap(),
    ))
}

fn code_now(store: &Store, secret: &[u8]) -> String {
    let unix = u64::try_from(store.clock().now().timestamp()).unwrap();
    kassa_domain::totp::code_at(secret, unix).unwrap()
}

#[test]
fn setup_records_every_synced_row_in_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path(), clock());
    set_up(&mut store);
    let changes = outbox::pending_changes(store.conn(), 1000).unwrap();
    let count = |e: &str| changes.iter().filter(|c| c.entity == e).count();
    assert_eq!(count("stores"), 1);
    assert_eq!(count("staff"), 1);
    assert_eq!(count("backup_codes"), 10);
    assert_eq!(count("audit_log"), 5);
    let mut stamps: Vec<u64> = changes.iter().map(|c| c.hlc).collect();
    let sorted = {
        let mut s = stamps.clone();
        s.sort();
        s.dedup();
        s
    };
    assert_eq!(stamps.len(), sorted.len(), "stamps are unique");
    stamps.sort();
    assert_eq!(stamps, sorted);
}

#[test]
fn a_failed_write_leaves_no_row_no_outbox_entry_and_no_audit_entry() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path(), clock());
    set_up(&mut store);
    let before_outbox = outbox::summary(store.conn()).unwrap().pending;
    let before_audit = audit::verify(store.conn()).unwrap().entries;
    let err = store
        .write(|tx| {
            tx.execute("UPDATE stores SET name = 'Renamed'", [])
                .unwrap();
            tx.record_change(
                "stores",
                "x",
                kassa_store::ChangeOp::Upsert,
                &serde_json::json!({"name": "Renamed"}),
            )?;
            tx.audit(AuditInput::new("store.renamed"))?;
            Err::<(), _>(kassa_domain::Error::invalid_input("changed my mind"))
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let name: String = store
        .conn()
        .query_row("SELECT name FROM stores", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "Corner Shop");
    assert_eq!(
        outbox::summary(store.conn()).unwrap().pending,
        before_outbox
    );
    let report = audit::verify(store.conn()).unwrap();
    assert!(report.ok);
    assert_eq!(
        report.entries, before_audit,
        "the chain head did not move either"
    );
}

#[test]
fn stamps_keep_increasing_when_the_device_clock_steps_back() {
    let dir = tempfile::tempdir().unwrap();
    let c = clock();
    let mut store = open(dir.path(), c.clone());
    set_up(&mut store);
    let last = |s: &Store| {
        outbox::pending_changes(s.conn(), 10_000)
            .unwrap()
            .last()
            .unwrap()
            .hlc
    };
    let before = last(&store);
    c.advance(Duration::hours(-3));
    store
        .write(|tx| {
            tx.audit(AuditInput::new("test.after_clock_step"))
                .map(|_| ())
        })
        .unwrap();
    assert!(last(&store) > before);
    assert!(audit::verify(store.conn()).unwrap().ok);
}

#[test]
fn the_tenth_failure_locks_for_thirty_minutes_then_the_right_password_works() {
    let dir = tempfile::tempdir().unwrap();
    let c = clock();
    let mut store = open(dir.path(), c.clone());
    let out = set_up(&mut store);
    let code = code_now(&store, &out.totp_secret);
    for attempt in 1..=10 {
        let err = sign_in(
            &mut store,
            "a@example.com",
            "wrong horse battery staple",
            SecondFactor::Totp(&code),
            Surface::Cli,
        )
        .unwrap_err();
        // The tenth locks the account, but only someone who knows the password learns it:
        // a wrong password is answered the same before and after.
        assert_eq!(
            err.code,
            ErrorCode::InvalidCredentials,
            "attempt {attempt}: {}",
            err.message
        );
    }
    // The 11th attempt, with the right password and code, is refused while locked.
    let err = sign_in(
        &mut store,
        "a@example.com",
        PASSWORD,
        SecondFactor::Totp(&code),
        Surface::Cli,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::AccountLocked);
    assert!(err.message.contains("until"), "{}", err.message);

    c.advance(Duration::minutes(29));
    let code = code_now(&store, &out.totp_secret);
    let err = sign_in(
        &mut store,
        "a@example.com",
        PASSWORD,
        SecondFactor::Totp(&code),
        Surface::Cli,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::AccountLocked);

    c.advance(Duration::minutes(2));
    let code = code_now(&store, &out.totp_secret);
    let ok = sign_in(
        &mut store,
        "a@example.com",
        PASSWORD,
        SecondFactor::Totp(&code),
        Surface::Cli,
    )
    .unwrap();
    assert_eq!(ok.staff.email, "a@example.com");
    let actions: Vec<String> = audit::list(
        store.conn(),
        &audit::AuditFilter {
            action_prefix: Some("auth.".into()),
            limit: 100,
            ..Default::default()
        },
    )
    .unwrap()
    .into_iter()
    .map(|r| r.entry.action)
    .collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "auth.login_failed").count(),
        10
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "auth.account_locked")
            .count(),
        1
    );
    assert!(actions.contains(&"auth.login_succeeded".to_string()));
}

#[test]
fn a_totp_code_is_accepted_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path(), clock());
    let out = set_up(&mut store);
    let code = code_now(&store, &out.totp_secret);
    sign_in(
        &mut store,
        "a@example.com",
        PASSWORD,
        SecondFactor::Totp(&code),
        Surface::Desktop,
    )
    .unwrap();
    let err = sign_in(
        &mut store,
        "a@example.com",
        PASSWORD,
        SecondFactor::Totp(&code),
        Surface::Desktop,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::TotpReused);
}

#[test]
fn a_clock_behind_the_last_server_time_is_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let c = clock();
    let mut store = open(dir.path(), c.clone());
    let out = set_up(&mut store);
    let server = c.now() + Duration::hours(2);
    store
        .conn()
        .execute(
            "UPDATE device SET last_server_time = ?1",
            [kassa_store::ts(server)],
        )
        .unwrap();
    let code = code_now(&store, &out.totp_secret);
    let err = sign_in(
        &mut store,
        "a@example.com",
        PASSWORD,
        SecondFactor::Totp(&code),
        Surface::Desktop,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::ClockMovedBack);
}

#[test]
fn an_incremental_verification_walks_only_the_entries_after_the_last_one_verified() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path(), clock());
    set_up(&mut store);
    let full = audit::verify(store.conn()).unwrap();
    assert_eq!(
        (full.ok, full.entries, full.walked),
        (true, 5, 5),
        "{full:?}"
    );
    let incremental = |s: &Store| audit::verify_with(s.conn(), VerifyMode::Incremental).unwrap();
    let nothing_new = incremental(&store);
    assert_eq!(
        (nothing_new.ok, nothing_new.entries, nothing_new.walked),
        (true, 5, 0)
    );

    store
        .write(|tx| {
            tx.audit(AuditInput::new("drawer.opened"))?;
            tx.audit(AuditInput::new("drawer.opened"))?;
            Ok(())
        })
        .unwrap();
    // Someone with the file rewrites entry 2, which was verified already: only the full
    // verification walks back to it; the incremental one checks the two new entries.
    store
        .conn()
        .execute_batch(
            "DROP TRIGGER audit_log_immutable;
             UPDATE audit_log SET action = 'auth.nothing' WHERE device_seq = 2;",
        )
        .unwrap();
    let two_new = incremental(&store);
    assert_eq!(
        (two_new.ok, two_new.entries, two_new.walked),
        (true, 7, 2),
        "{two_new:?}"
    );
    let full = audit::verify(store.conn()).unwrap();
    let bad = full.first_bad.unwrap();
    assert_eq!((bad.device_seq, bad.reason), (2, Break::Altered));

    // The entry the incremental verification starts after is checked itself.
    store
        .conn()
        .execute(
            "UPDATE audit_log SET action = 'auth.nothing' WHERE device_seq = 7",
            [],
        )
        .unwrap();
    let changed = incremental(&store);
    let bad = changed.first_bad.unwrap();
    assert_eq!(
        (changed.ok, bad.device_seq, bad.reason),
        (false, 7, Break::Altered)
    );
}

#[test]
fn the_search_indexes_hold_eight_megabytes_of_new_entries_before_writing_a_segment() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), clock());
    for index in ["customer_search", "product_search"] {
        let size: i64 = store
            .conn()
            .query_row(
                &format!("SELECT v FROM {index}_config WHERE k = 'hashsize'"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(size, 8 * 1024 * 1024, "{index}");
    }
}
