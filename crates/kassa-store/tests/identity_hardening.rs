//! Sign-in that tells a stranger nothing, a lockout that ends, an audit head that catches a
//! rewritten last entry, and a data folder only its owner can read.

use chrono::{Duration, TimeZone, Utc};
use kassa_store::foundation::device::{SetupParams, setup};
use kassa_store::identity::auth::{SecondFactor, sign_in};
use kassa_store::identity::session::Surface;
use kassa_store::{Error, ErrorCode, FixedClock, KeySource, Store, foundation::audit};
use std::sync::Arc;

const PASSWORD: &str = "correct horse battery staple";
const EMAIL: &str = "a@example.com";

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap(),
    ))
}

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

/// A store with one admin; returns it with the admin's TOTP secret.
fn shop(dir: &std::path::Path, c: Arc<FixedClock>) -> (Store, Vec<u8>) {
    let mut store = open(dir, c);
    let out = setup(
        &mut store,
        SetupParams {
            store_name: "Corner Shop".into(),
            store_code: None,
            currency: "EUR".into(),
            device_name: None,
            admin_email: EMAIL.into(),
            admin_name: None,
            password: PASSWORD.into(),
            demo: false,
        },
    )
    .unwrap();
    (store, out.totp_secret)
}

fn code_now(store: &Store, secret: &[u8]) -> String {
    let unix = u64::try_from(store.clock().now().timestamp()).unwrap();
    kassa_domain::totp::code_at(secret, unix).unwrap()
}

fn try_sign_in(store: &mut Store, email: &str, password: &str, code: &str) -> Result<(), Error> {
    sign_in(
        store,
        email,
        password,
        SecondFactor::Totp(code),
        Surface::Cli,
    )
    .map(|_| ())
}

#[test]
fn a_lock_that_has_run_out_starts_a_fresh_count_of_ten() {
    let dir = tempfile::tempdir().unwrap();
    let c = clock();
    let (mut store, secret) = shop(dir.path(), c.clone());
    for _ in 0..10 {
        try_sign_in(&mut store, EMAIL, "wrong horse battery staple", "000000").unwrap_err();
    }
    let code = code_now(&store, &secret);
    let err = try_sign_in(&mut store, EMAIL, PASSWORD, &code).unwrap_err();
    assert_eq!(err.code, ErrorCode::AccountLocked);

    // The lock runs out; nine more failures do not lock again, and the right password works.
    c.advance(Duration::minutes(31));
    for attempt in 1..=9 {
        let err =
            try_sign_in(&mut store, EMAIL, "wrong horse battery staple", "000000").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidCredentials, "attempt {attempt}");
    }
    let code = code_now(&store, &secret);
    try_sign_in(&mut store, EMAIL, PASSWORD, &code).unwrap();

    // After a success the count is back at zero, and the tenth failure in a row locks again.
    c.advance(Duration::seconds(30));
    for _ in 0..10 {
        try_sign_in(&mut store, EMAIL, "wrong horse battery staple", "000000").unwrap_err();
    }
    let code = code_now(&store, &secret);
    let err = try_sign_in(&mut store, EMAIL, PASSWORD, &code).unwrap_err();
    assert_eq!(err.code, ErrorCode::AccountLocked);
}

#[test]
fn an_unknown_email_is_answered_exactly_as_a_wrong_password_until_the_password_is_right() {
    let dir = tempfile::tempdir().unwrap();
    let c = clock();
    let (mut store, secret) = shop(dir.path(), c.clone());
    let code = code_now(&store, &secret);
    // Ten wrong passwords (the tenth locks the account) against ten unknown emails: each
    // answer is the same, field by field, and none counts the attempts left.
    for attempt in 1..=11 {
        let wrong_password =
            try_sign_in(&mut store, EMAIL, "wrong horse battery staple", &code).unwrap_err();
        let unknown_email = try_sign_in(
            &mut store,
            &format!("nobody{attempt}@example.com"),
            "wrong horse battery staple",
            &code,
        )
        .unwrap_err();
        assert_eq!(wrong_password.code, unknown_email.code, "attempt {attempt}");
        assert_eq!(
            wrong_password.message, unknown_email.message,
            "attempt {attempt}"
        );
        assert_eq!(wrong_password, unknown_email, "attempt {attempt}");
        assert_eq!(wrong_password.code, ErrorCode::InvalidCredentials);
        assert!(
            !wrong_password.message.contains("left") && !wrong_password.message.contains("lock"),
            "{}",
            wrong_password.message
        );
    }
    // Only the right password learns that the account is locked.
    let err = try_sign_in(&mut store, EMAIL, PASSWORD, &code).unwrap_err();
    assert_eq!(err.code, ErrorCode::AccountLocked);
    assert!(err.message.contains("locked"), "{}", err.message);
}

#[test]
fn an_unknown_email_is_audited_as_the_sha256_of_its_trimmed_lowercased_text() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = shop(dir.path(), clock());
    let typed = "  My.Password-Was+Here ";
    try_sign_in(&mut store, typed, "anything at all here", "123456").unwrap_err();
    let after: String = store
        .conn()
        .query_row(
            "SELECT after FROM audit_log WHERE action = 'auth.login_failed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&after).unwrap();
    use sha2::{Digest, Sha256};
    let expected = hex::encode(Sha256::digest(b"my.password-was+here"));
    assert_eq!(v["email_sha256"], expected.as_str(), "{after}");
    assert_eq!(v["reason"], "unknown_account");
    let everything: String = store
        .conn()
        .query_row(
            "SELECT group_concat(coalesce(after, ''), ' ') FROM audit_log",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        !everything.to_lowercase().contains("password-was"),
        "{everything}"
    );
}

#[test]
fn a_last_entry_rewritten_with_a_fresh_hash_is_caught_by_the_kept_head() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = shop(dir.path(), clock());
    assert!(audit::verify(store.conn()).unwrap().ok);
    let (id, seq): (String, i64) = store
        .conn()
        .query_row(
            "SELECT id, device_seq FROM audit_log ORDER BY device_seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    drop(store);

    // An intruder with the sqlite3 tool: drops the guard, rewrites the last entry and gives it
    // the hash it would have had, so that the chain itself checks out.
    let c = rusqlite::Connection::open(dir.path().join("kassa.db")).unwrap();
    c.execute_batch("DROP TRIGGER IF EXISTS audit_log_immutable;")
        .unwrap();
    let (entry, prev_hex) = c
        .query_row("SELECT * FROM audit_log WHERE id = ?1", [&id], |r| {
            Ok((
                kassa_domain::audit::AuditEntry {
                    id: r.get("id")?,
                    device_id: r.get("device_id")?,
                    device_seq: u64::try_from(r.get::<_, i64>("device_seq")?).unwrap(),
                    at_utc: r.get("at_utc")?,
                    clock_offset_ms: r.get("clock_offset_ms")?,
                    actor_id: r.get("actor_id")?,
                    approver_id: r.get("approver_id")?,
                    action: r.get("action")?,
                    entity: r.get("entity")?,
                    entity_id: r.get("entity_id")?,
                    before: r.get("before")?,
                    after: r.get("after")?,
                },
                r.get::<_, String>("prev_hash")?,
            ))
        })
        .unwrap();
    let forged = kassa_domain::audit::AuditEntry {
        action: format!("{}.forged", entry.action),
        ..entry
    };
    let mut prev = [0u8; 32];
    hex::decode_to_slice(&prev_hex, &mut prev).unwrap();
    let hash = hex::encode(kassa_domain::audit::entry_hash(&prev, &forged));
    c.execute(
        "UPDATE audit_log SET action = ?1, hash = ?2 WHERE id = ?3",
        rusqlite::params![forged.action, hash, id],
    )
    .unwrap();
    drop(c);

    let store = open(dir.path(), clock());
    let report = audit::verify(store.conn()).unwrap();
    assert!(!report.ok, "{report:?}");
    let bad = report.first_bad.unwrap();
    assert_eq!(bad.id, id);
    assert_eq!(bad.device_seq, u64::try_from(seq).unwrap());
}

#[test]
fn the_audit_log_refuses_update_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = shop(dir.path(), clock());
    let c = store.conn();
    for sql in [
        "UPDATE audit_log SET after = NULL",
        "DELETE FROM audit_log WHERE device_seq = 2",
    ] {
        let err = c.execute(sql, []).unwrap_err();
        assert!(err.to_string().contains("immutable"), "{sql}: {err}");
    }
    assert!(audit::verify(c).unwrap().ok);
}

#[cfg(unix)]
mod permissions {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &std::path::Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_data_folder_and_its_files_are_its_owners_alone() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("nested").join("data");
        let (store, _) = shop(&dir, clock());
        assert_eq!(mode(&dir), 0o700, "the data folder");
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        for f in ["kassa.db", "kassa.db-wal", "kassa.db-shm"] {
            assert!(names.contains(&f.to_string()), "{f} in {names:?}");
        }
        for f in &names {
            assert_eq!(mode(&dir.join(f)), 0o600, "{f}");
        }
        drop(store);
    }

    #[test]
    fn opening_an_existing_store_never_loosens_and_takes_others_access_away() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let (store, _) = shop(&data, clock());
        drop(store);
        // A folder the admin set to 0750 stays so; files an older Kassa left 0644 become 0600.
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o750)).unwrap();
        let db = data.join("kassa.db");
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        let store = open(&data, clock());
        assert!(store.is_set_up().unwrap());
        assert_eq!(mode(&data), 0o750);
        assert_eq!(mode(&db), 0o600);
        drop(store);
        // A stricter file stays as strict.
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o400)).unwrap();
        let reopened = Store::open(
            &data,
            clock(),
            KeySource::ExplicitKeys {
                device: [9; 32],
                store: [77; 32],
            },
        );
        assert_eq!(mode(&db), 0o400);
        drop(reopened);
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}
