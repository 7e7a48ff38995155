//! Credentials as stored: argon2id at or above the floor for every verifier, nothing in
//! plain text, and the one-time rules of TOTP codes and backup codes.

use chrono::{TimeZone, Utc};
use kassa_domain::policy::{ARGON2_ITERATIONS, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM};
use kassa_store::foundation::device::{SetupParams, setup};
use kassa_store::identity::auth::{SecondFactor, sign_in};
use kassa_store::identity::session::Surface;
use kassa_store::{
    ErrorCode, FixedClock, KeySource, Store, identity::credentials, identity::staff,
};
use std::sync::Arc;

const PASSWORD: &str = "correct horse battery staple";

fn set_up() -> (
    tempfile::TempDir,
    Store,
    kassa_store::foundation::device::SetupOutcome,
) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap(),
    ));
    let mut store = Store::open(
        dir.path(),
        clock,
        KeySource::ExplicitKeys {
            device: [3; 32],
            store: [77; 32],
        },
    )
    .unwrap();
    let out = setup(
        &mut store,
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
    .unwrap();
    (dir, store, out)
}

/// (m, t, p) of an argon2id PHC string, or a panic naming what is wrong.
fn params(phc: &str) -> (u32, u32, u32) {
    let mut parts = phc.split('$');
    assert_eq!(parts.nth(1), Some("argon2id"), "{phc}");
    assert_eq!(parts.next(), Some("v=19"), "{phc}");
    let mut m = 0;
    let mut t = 0;
    let mut p = 0;
    for kv in parts.next().unwrap().split(',') {
        let (k, v) = kv.split_once('=').unwrap();
        let v: u32 = v.parse().unwrap();
        match k {
            "m" => m = v,
            "t" => t = v,
            "p" => p = v,
            other => panic!("unknown parameter {other} in {phc}"),
        }
    }
    (m, t, p)
}

#[test]
fn every_stored_verifier_is_argon2id_at_or_above_the_floor() {
    let (_dir, mut store, out) = set_up();
    let admin = staff::get(store.conn(), &out.admin_id).unwrap();
    credentials::set_pin(&mut store, &admin, PASSWORD, "4711").unwrap();
    let mut hashes: Vec<String> = store
        .conn()
        .prepare("SELECT password_hash FROM staff UNION ALL SELECT pin_hash FROM staff UNION ALL SELECT code_hash FROM backup_codes")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(hashes.len(), 12, "password, PIN and ten backup codes");
    hashes.sort();
    hashes.dedup();
    assert_eq!(hashes.len(), 12, "each with its own salt");
    for phc in &hashes {
        let (m, t, p) = params(phc);
        assert!(
            m >= ARGON2_MEMORY_KIB && t >= ARGON2_ITERATIONS && p >= ARGON2_PARALLELISM,
            "{phc}"
        );
        assert!(m >= 19_456 && t >= 2 && p >= 1, "SPEC's floor: {phc}");
    }
}

#[test]
fn a_backup_code_signs_in_once_and_a_totp_code_once() {
    let (_dir, mut store, out) = set_up();
    let code = out.backup_codes[4].clone();
    let first = sign_in(
        &mut store,
        "a@example.com",
        PASSWORD,
        SecondFactor::BackupCode(&code),
        Surface::Desktop,
    )
    .unwrap();
    assert_eq!(first.backup_codes_left, Some(9));
    let err = sign_in(
        &mut store,
        "a@example.com",
        PASSWORD,
        SecondFactor::BackupCode(&code),
        Surface::Desktop,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidCredentials);

    let unix = u64::try_from(store.clock().now().timestamp()).unwrap();
    let totp = kassa_domain::totp::code_at(&out.totp_secret, unix).unwrap();
    sign_in(
        &mut store,
        "a@example.com",
        PASSWORD,
        SecondFactor::Totp(&totp),
        Surface::Desktop,
    )
    .unwrap();
    let err = sign_in(
        &mut store,
        "a@example.com",
        PASSWORD,
        SecondFactor::Totp(&totp),
        Surface::Desktop,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::TotpReused);
}

#[test]
fn ten_wrong_totp_codes_lock_the_account_like_wrong_passwords() {
    let (_dir, mut store, _out) = set_up();
    for attempt in 1..=10 {
        let err = sign_in(
            &mut store,
            "a@example.com",
            PASSWORD,
            SecondFactor::Totp("000000"),
            Surface::Desktop,
        )
        .unwrap_err();
        let want = if attempt == 10 {
            ErrorCode::AccountLocked
        } else {
            ErrorCode::InvalidCredentials
        };
        assert_eq!(err.code, want, "attempt {attempt}: {}", err.message);
    }
}
