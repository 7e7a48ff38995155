//! The store key: staff made on one device sign in offline on another of the same store; a
//! wrong store key is told plainly; a store set up before store keys gets one at open.

mod support;

use kassa_store::foundation::device::{JoinParams, SetupOutcome, SetupParams, join, setup};
use kassa_store::foundation::ids::new_id;
use kassa_store::foundation::outbox::pending_changes;
use kassa_store::identity::auth::{SecondFactor, sign_in};
use kassa_store::identity::session::Surface;
use kassa_store::{ErrorCode, KeySource, Store, StoreKey, SystemClock, install_store_key};
use std::path::Path;
use std::sync::Arc;
use support::sync::{Log, dump, ship};

const PASSWORD: &str = "correct horse battery staple";
const EMAIL: &str = "ada@example.com";
const STORE_KEY: [u8; 32] = [31; 32];

fn keys(device: u8, store: [u8; 32]) -> KeySource {
    KeySource::ExplicitKeys {
        device: [device; 32],
        store,
    }
}

fn open(dir: &Path, keys: KeySource) -> Store {
    Store::open(dir, Arc::new(SystemClock), keys).expect("store opens")
}

fn first_device(dir: &Path) -> (Store, SetupOutcome) {
    let mut store = open(dir, keys(1, STORE_KEY));
    let out = setup(
        &mut store,
        SetupParams {
            store_name: "Corner Shop".into(),
            store_code: Some("CORN".into()),
            currency: "EUR".into(),
            device_name: Some("Till 1".into()),
            admin_email: EMAIL.into(),
            admin_name: Some("Ada".into()),
            password: PASSWORD.into(),
            demo: false,
        },
    )
    .expect("setup");
    (store, out)
}

/// A second device as the join flow makes it: the store key pairing handed out is kept
/// first, then the device joins.
fn second_device(dir: &Path, store_id: &str) -> Store {
    nth_device(dir, store_id, 2)
}

/// Device `n` (2..=9) of the store, joined as [`second_device`] is.
fn nth_device(dir: &Path, store_id: &str, n: u8) -> Store {
    let mut store = open(dir, keys(n, STORE_KEY));
    let received = StoreKey::from_bytes(STORE_KEY).to_base64();
    install_store_key(store.store_key_source(), store_id, &received).expect("key kept");
    join(
        &mut store,
        JoinParams {
            store_id: store_id.into(),
            device_id: new_id(),
            device_code: format!("0{n}"),
            device_name: format!("Till {n}"),
        },
    )
    .expect("join");
    store
}

fn code_now(store: &Store, secret: &[u8]) -> String {
    let unix = u64::try_from(store.clock().now().timestamp()).unwrap();
    kassa_domain::totp::code_at(secret, unix).unwrap()
}

fn sign_in_with_totp(store: &mut Store, secret: &[u8]) -> kassa_store::Result<()> {
    let code = code_now(store, secret);
    sign_in(
        store,
        EMAIL,
        PASSWORD,
        SecondFactor::Totp(&code),
        Surface::Cli,
    )
    .map(|_| ())
}

#[test]
fn staff_made_on_one_device_sign_in_offline_on_another_after_one_sync() {
    let a_dir = tempfile::tempdir().unwrap();
    let b_dir = tempfile::tempdir().unwrap();
    let (a, made) = first_device(a_dir.path());
    let mut b = second_device(b_dir.path(), &made.store_id);
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);
    // B holds the very blob A sealed, and opens it with the store key: no server needed.
    let blob = |s: &Store| -> Vec<u8> {
        s.conn()
            .query_row(
                "SELECT totp_secret_enc FROM staff WHERE id = ?1",
                [&made.admin_id],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(blob(&a), blob(&b));
    sign_in_with_totp(&mut b, &made.totp_secret).expect("signs in on the second device");
}

#[test]
fn a_wrong_store_key_is_told_plainly_and_opens_nothing() {
    let a_dir = tempfile::tempdir().unwrap();
    let b_dir = tempfile::tempdir().unwrap();
    let (a, made) = first_device(a_dir.path());
    let mut b = second_device(b_dir.path(), &made.store_id);
    ship(&mut Log::default(), &a, &mut b);
    drop(b);

    // The device is opened again with another KASSA_STORE_KEY.
    let mut b = open(b_dir.path(), keys(2, [99; 32]));
    let err = sign_in_with_totp(&mut b, &made.totp_secret).unwrap_err();
    assert_eq!(err.code, ErrorCode::StoreKeyMismatch, "{err}");
    assert!(err.message.contains("store key"), "{err}");

    // Keeping a received key that is not the explicit one is refused the same way.
    let err = install_store_key(
        b.store_key_source(),
        &made.store_id,
        &StoreKey::from_bytes(STORE_KEY).to_base64(),
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::StoreKeyMismatch);
    // And a key that is not 32 bytes is bad input.
    let err = install_store_key(b.store_key_source(), &made.store_id, "c2hvcnQ").unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);

    // Even past the check value, the secret itself does not open with another key.
    let sealed = {
        let s = open(a_dir.path(), keys(1, STORE_KEY));
        let blob: Vec<u8> = s
            .conn()
            .query_row(
                "SELECT totp_secret_enc FROM staff WHERE id = ?1",
                [&made.admin_id],
                |r| r.get(0),
            )
            .unwrap();
        blob
    };
    let context = format!("staff.totp_secret:{}", made.admin_id);
    let err = StoreKey::from_bytes([99; 32])
        .open(&sealed, &context)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::StoreKeyMismatch);
    assert!(
        StoreKey::from_bytes(STORE_KEY)
            .open(&sealed, &context)
            .is_ok()
    );
}

#[test]
fn a_store_set_up_before_store_keys_gets_one_at_open_and_its_staff_still_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let (store, made) = first_device(dir.path());
    let context = format!("staff.totp_secret:{}", made.admin_id);
    // Make it look as an older Kassa left it: the secret sealed under the device key, no
    // store key check.
    {
        let conn = store.conn();
        let blob: Vec<u8> = conn
            .query_row(
                "SELECT totp_secret_enc FROM staff WHERE id = ?1",
                [&made.admin_id],
                |r| r.get(0),
            )
            .unwrap();
        let secret = StoreKey::from_bytes(STORE_KEY)
            .open(&blob, &context)
            .unwrap();
        let device_key = KeySource::Explicit([1; 32]).create("any").unwrap();
        let legacy = device_key.seal(&secret, &context).unwrap();
        conn.execute(
            "UPDATE staff SET totp_secret_enc = ?1 WHERE id = ?2",
            rusqlite::params![legacy, made.admin_id],
        )
        .unwrap();
        conn.execute("UPDATE device SET store_key_check = NULL", [])
            .unwrap();
    }
    drop(store);

    // The first open under this version makes the store key (here: KASSA_STORE_KEY's) and
    // seals the secret again under it, recording the change so other devices get it.
    let new_key = [55; 32];
    let mut store = open(dir.path(), keys(1, new_key));
    let check: Option<Vec<u8>> = store
        .conn()
        .query_row("SELECT store_key_check FROM device", [], |r| r.get(0))
        .unwrap();
    assert!(check.is_some());
    let blob: Vec<u8> = store
        .conn()
        .query_row(
            "SELECT totp_secret_enc FROM staff WHERE id = ?1",
            [&made.admin_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        StoreKey::from_bytes(new_key).open(&blob, &context).unwrap(),
        made.totp_secret
    );
    let synced = pending_changes(store.conn(), 1_000_000)
        .unwrap()
        .into_iter()
        .rev()
        .find(|c| c.entity == "staff" && c.payload.get("totp_secret_enc").is_some())
        .expect("the re-sealed secret is an outbox change");
    use base64::Engine;
    assert_eq!(
        synced.payload["totp_secret_enc"],
        base64::engine::general_purpose::STANDARD.encode(&blob)
    );
    sign_in_with_totp(&mut store, &made.totp_secret).expect("the admin still signs in");
    drop(store);

    // Once only: a later open keeps the blob as it is.
    let store = open(dir.path(), keys(1, new_key));
    let again: Vec<u8> = store
        .conn()
        .query_row(
            "SELECT totp_secret_enc FROM staff WHERE id = ?1",
            [&made.admin_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(again, blob);
}

#[test]
fn a_copy_of_the_database_neither_shows_nor_spends_voucher_codes() {
    use kassa_store::selling::voucher;
    let dir = tempfile::tempdir().unwrap();
    let (mut a, out) = first_device(dir.path());
    let key = a.store_key().unwrap().clone_key();
    let v = a
        .write(|tx| voucher::issue(tx, &key, &out.store_id, 2500, None, None, &out.admin_id))
        .unwrap();
    assert!(v.code.starts_with("KV-"), "{}", v.code);
    // The file holds no code: not in the table, not in the outbox, not anywhere.
    drop(a);
    let bytes = std::fs::read(dir.path().join("kassa.db")).unwrap();
    let wal = std::fs::read(dir.path().join("kassa.db-wal")).unwrap_or_default();
    for file in [&bytes, &wal] {
        assert!(
            !file.windows(v.code.len()).any(|w| w == v.code.as_bytes()),
            "the code is in the file"
        );
    }
    // The store's key finds it (whatever case it is typed in); another key does not.
    let a = open(dir.path(), keys(1, STORE_KEY));
    let found = voucher::find(a.conn(), &key, &v.code.to_lowercase()).unwrap();
    assert_eq!(found.balance_minor, 2500);
    let thief = StoreKey::from_bytes([99; 32]);
    let err = voucher::find(a.conn(), &thief, &v.code).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    assert!(!err.message.contains(&v.code), "{}", err.message);
}

#[test]
fn voucher_codes_kept_in_the_clear_by_an_older_version_are_keyed_at_open() {
    use kassa_store::selling::voucher;
    let dir = tempfile::tempdir().unwrap();
    let (a, out) = first_device(dir.path());
    drop(a);
    {
        let c = rusqlite::Connection::open(dir.path().join("kassa.db")).unwrap();
        c.execute(
            "INSERT INTO vouchers (id, store_id, code, customer_id, created_by, created_at)
             VALUES ('v-old', ?1, 'KV-OLD00-CODE1', NULL, ?2, '2026-01-01T00:00:00.000Z')",
            [&out.store_id, &out.admin_id],
        )
        .unwrap();
        c.execute(
            "INSERT INTO voucher_movements (id, voucher_id, kind, amount_minor, ref_id, staff_id, created_at)
             VALUES ('m-old', 'v-old', 'issue', 700, NULL, ?1, '2026-01-01T00:00:00.000Z')",
            [&out.admin_id],
        )
        .unwrap();
    }
    let a = open(dir.path(), keys(1, STORE_KEY));
    let stored: String = a
        .conn()
        .query_row("SELECT code FROM vouchers WHERE id = 'v-old'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(stored.starts_with(voucher::KEYED_PREFIX), "{stored}");
    let key = a.store_key().unwrap().clone_key();
    assert_eq!(
        voucher::find(a.conn(), &key, "kv-old00-code1")
            .unwrap()
            .balance_minor,
        700
    );
}

#[test]
fn a_later_store_key_epoch_is_kept_sealed_survives_a_restart_and_seals_stragglers_again() {
    use kassa_store::identity::rekey::{install_store_key_epochs, reseal_staff_secrets};
    use kassa_store::identity::staff::Staff;
    const EPOCH_2: [u8; 32] = [0xA7; 32];
    let dir = tempfile::tempdir().unwrap();
    let (mut a, made) = first_device(dir.path());
    let context = Staff::totp_context(&made.admin_id);
    let blob = |s: &Store| -> Vec<u8> {
        s.conn()
            .query_row(
                "SELECT totp_secret_enc FROM staff WHERE id = ?1",
                [&made.admin_id],
                |r| r.get(0),
            )
            .unwrap()
    };
    let before = pending_changes(a.conn(), 10_000).unwrap().len();

    // Epoch 2 arrives: kept, and the admin's secret sealed again under it as a staff change.
    let rekeyed = install_store_key_epochs(&mut a, &StoreKey::at_epoch(2, EPOCH_2)).unwrap();
    assert_eq!(
        (rekeyed.added, rekeyed.epoch, rekeyed.resealed),
        (vec![2], 2, 1)
    );
    assert_eq!(StoreKey::sealed_epoch(&blob(&a)), 2);
    assert!(
        pending_changes(a.conn(), 10_000)
            .unwrap()
            .iter()
            .skip(before)
            .any(|c| c.entity == "staff" && c.entity_id == made.admin_id)
    );
    sign_in_with_totp(&mut a, &made.totp_secret).expect("signs in with the sealed-again secret");
    // The same epoch again adds and seals nothing.
    let again = install_store_key_epochs(&mut a, &StoreKey::at_epoch(2, EPOCH_2)).unwrap();
    assert_eq!((again.added.len(), again.resealed), (0, 0));

    // A secret that arrives sealed under epoch 1 (from a device that had not caught up) is
    // sealed again under the newest.
    let old = StoreKey::from_bytes(STORE_KEY)
        .seal(&made.totp_secret, &context)
        .unwrap();
    a.conn()
        .execute(
            "UPDATE staff SET totp_secret_enc = ?1 WHERE id = ?2",
            rusqlite::params![old, made.admin_id],
        )
        .unwrap();
    assert_eq!(reseal_staff_secrets(&mut a).unwrap(), 1);
    assert_eq!(StoreKey::sealed_epoch(&blob(&a)), 2);
    assert_eq!(reseal_staff_secrets(&mut a).unwrap(), 0);

    // After a restart the device still holds both epochs; the later one is nowhere in the
    // clear in its files.
    drop(a);
    for file in ["kassa.db", "kassa.db-wal"] {
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
        assert!(
            !bytes.windows(32).any(|w| w == EPOCH_2),
            "epoch 2 in {file}"
        );
    }
    let a = open(dir.path(), keys(1, STORE_KEY));
    assert_eq!(a.store_key().unwrap().epochs(), vec![1, 2]);
    assert_eq!(
        a.store_key().unwrap().open(&blob(&a), &context).unwrap(),
        made.totp_secret
    );
    // A device holding only the first epoch (a revoked one) does not open it.
    let err = StoreKey::from_bytes(STORE_KEY)
        .open(&blob(&a), &context)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::StoreKeyMismatch);
}

const EPOCH_2: [u8; 32] = [0xA7; 32];

/// The admin's sealed TOTP secret as `store` holds it.
fn totp_blob(store: &Store, staff_id: &str) -> Vec<u8> {
    store
        .conn()
        .query_row(
            "SELECT totp_secret_enc FROM staff WHERE id = ?1",
            [staff_id],
            |r| r.get(0),
        )
        .unwrap()
}

/// The version `store` holds for the admin's sealed secret.
fn totp_version(store: &Store, staff_id: &str) -> (i64, String) {
    store
        .conn()
        .query_row(
            "SELECT hlc, device_id FROM field_versions
              WHERE entity = 'staff' AND entity_id = ?1 AND field IN ('totp_secret_enc', '*')
              ORDER BY field = '*' LIMIT 1",
            [staff_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

/// The stamp of the newest staff change `store` made for `staff_id`.
fn last_staff_stamp(store: &Store, staff_id: &str) -> u64 {
    pending_changes(store.conn(), 1_000_000)
        .unwrap()
        .iter()
        .filter(|c| c.entity == "staff" && c.entity_id == staff_id)
        .map(|c| c.hlc)
        .max()
        .unwrap()
}

/// Epoch 2 of the store key arrives at `store` (a device was revoked); answers how many
/// secrets it sealed again.
fn rotate(store: &mut Store) -> u32 {
    use kassa_store::identity::rekey::install_store_key_epochs;
    let rekeyed = install_store_key_epochs(store, &StoreKey::at_epoch(2, EPOCH_2)).unwrap();
    // The next device's stamps come strictly later.
    std::thread::sleep(std::time::Duration::from_millis(3));
    rekeyed.resealed
}

/// The admin re-enrols their authenticator on `store`; answers the new secret.
fn reenrol(store: &mut Store, admin_id: &str) -> Vec<u8> {
    use kassa_store::identity::{invitation, staff};
    let member = staff::get(store.conn(), admin_id).unwrap();
    let (_, code) = store
        .write(|tx| invitation::start_reenrol(tx, &member, admin_id))
        .unwrap();
    let secret = invitation::accept(store, &code, PASSWORD, None)
        .unwrap()
        .totp_secret;
    std::thread::sleep(std::time::Duration::from_millis(3));
    secret
}

fn exchange(log: &mut Log, stores: &mut [&mut Store]) {
    for _ in 0..2 {
        for s in stores.iter() {
            log.push(s);
        }
        for s in stores.iter_mut() {
            log.pull(s);
        }
    }
}

/// Every device opens the admin's new secret and refuses the old one.
fn only_the_new_secret_signs_in(stores: &mut [&mut Store], old: &[u8], new: &[u8]) {
    for s in stores.iter_mut() {
        assert!(
            sign_in_with_totp(s, old).is_err(),
            "the old authenticator still signs in"
        );
        sign_in_with_totp(s, new).expect("the new authenticator signs in");
    }
}

#[test]
fn a_secret_sealed_again_never_outranks_a_reenrolment_it_had_not_seen() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, made) = first_device(a_dir.path());
    let mut b = second_device(b_dir.path(), &made.store_id);
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);

    // A re-enrols the admin's authenticator, then learns of epoch 2 and seals the new secret
    // again; B has not seen the re-enrolment and seals the old secret again, later.
    let new_secret = reenrol(&mut a, &made.admin_id);
    assert_eq!(rotate(&mut a), 1);
    let a_stamp = last_staff_stamp(&a, &made.admin_id);
    assert_eq!(rotate(&mut b), 1);
    assert!(last_staff_stamp(&b, &made.admin_id) > a_stamp);

    exchange(&mut log, &mut [&mut a, &mut b]);
    assert_eq!(totp_blob(&a, &made.admin_id), totp_blob(&b, &made.admin_id));
    assert_eq!(StoreKey::sealed_epoch(&totp_blob(&a, &made.admin_id)), 2);
    assert_eq!(dump(a.conn()), dump(b.conn()));
    only_the_new_secret_signs_in(&mut [&mut a, &mut b], &made.totp_secret, &new_secret);
}

#[test]
fn two_devices_sealing_one_secret_again_make_the_same_bytes() {
    use kassa_store::foundation::apply::{apply_remote, cursor};
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, made) = first_device(a_dir.path());
    let mut b = second_device(b_dir.path(), &made.store_id);
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);
    let version = totp_version(&a, &made.admin_id);
    assert_eq!(totp_version(&b, &made.admin_id), version);

    // Both learn of epoch 2 before either hears of the other: the same bytes at once, and
    // the secret keeps the version it had.
    assert_eq!((rotate(&mut a), rotate(&mut b)), (1, 1));
    let blob = totp_blob(&a, &made.admin_id);
    assert_eq!(StoreKey::sealed_epoch(&blob), 2);
    assert_eq!(totp_blob(&b, &made.admin_id), blob);
    assert_eq!(totp_version(&a, &made.admin_id), version);

    exchange(&mut log, &mut [&mut a, &mut b]);
    for s in [&a, &b] {
        assert_eq!(totp_blob(s, &made.admin_id), blob);
        assert_eq!(totp_version(s, &made.admin_id), version);
    }
    let held = dump(a.conn());
    assert_eq!(dump(b.conn()), held);

    // Both sealed-again changes applied once more change nothing.
    let again: Vec<_> = log
        .entries
        .iter()
        .map(|e| e.change.clone())
        .filter(|c| c.entity == "staff" && c.payload.get("resealed_from").is_some())
        .collect();
    assert_eq!(again.len(), 2);
    let from = cursor(a.conn()).unwrap() + 1;
    let report = apply_remote(&mut a, &support::sync::page(&again, from), from + 1).unwrap();
    assert_eq!((report.applied, report.already_held), (0, 2));
    assert_eq!(dump(a.conn()), held);
    sign_in_with_totp(&mut a, &made.totp_secret).expect("signs in on A");
    sign_in_with_totp(&mut b, &made.totp_secret).expect("signs in on B");
}

#[test]
fn a_secret_sealed_again_that_arrives_before_what_it_copies_ends_the_same_everywhere() {
    use kassa_store::foundation::apply::{apply_remote, cursor};
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let (mut a, made) = first_device(dirs[0].path());
    let mut b = second_device(dirs[1].path(), &made.store_id);
    let mut c = nth_device(dirs[2].path(), &made.store_id, 3);
    let mut log = Log::default();
    exchange(&mut log, &mut [&mut a, &mut b, &mut c]);

    // A re-enrols; B hears of it and seals the new secret again under epoch 2; C, which has
    // heard of nothing, seals the old secret again, later.
    let new_secret = reenrol(&mut a, &made.admin_id);
    let reenrolled = log.entries.len();
    log.push(&a);
    log.pull(&mut b);
    assert_eq!(rotate(&mut b), 1);
    let b_stamp = last_staff_stamp(&b, &made.admin_id);
    assert_eq!(rotate(&mut c), 1);
    assert!(last_staff_stamp(&c, &made.admin_id) > b_stamp);
    log.push(&b);

    // C receives B's sealed-again secret before A's re-enrolment it copies.
    let after = cursor(c.conn()).unwrap();
    let b_id = kassa_store::foundation::device::device(b.conn())
        .unwrap()
        .unwrap()
        .id;
    let a_part: Vec<_> = log.entries[reenrolled..]
        .iter()
        .filter(|e| e.change.device_id != b_id)
        .cloned()
        .collect();
    let b_part: Vec<_> = log.entries[reenrolled..]
        .iter()
        .filter(|e| e.change.device_id == b_id)
        .cloned()
        .collect();
    assert!(!a_part.is_empty() && !b_part.is_empty());
    assert_eq!(after as usize, reenrolled);
    let reordered: Vec<_> = b_part.into_iter().chain(a_part).collect();
    let end = log.entries.last().unwrap().server_seq;
    apply_remote(&mut c, &reordered, end).unwrap();

    exchange(&mut log, &mut [&mut a, &mut b, &mut c]);
    // A learns of epoch 2 last: what it holds is sealed under it already.
    assert_eq!(rotate(&mut a), 0);
    exchange(&mut log, &mut [&mut a, &mut b, &mut c]);
    let blob = totp_blob(&a, &made.admin_id);
    assert_eq!(StoreKey::sealed_epoch(&blob), 2);
    for s in [&b, &c] {
        assert_eq!(totp_blob(s, &made.admin_id), blob);
        assert_eq!(dump(s.conn()), dump(a.conn()));
    }
    only_the_new_secret_signs_in(
        &mut [&mut a, &mut b, &mut c],
        &made.totp_secret,
        &new_secret,
    );
}

#[test]
fn a_secret_sealed_again_for_a_person_not_yet_here_waits_for_them() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let (a, made) = first_device(dirs[0].path());
    let mut b = second_device(dirs[1].path(), &made.store_id);
    let mut c = nth_device(dirs[2].path(), &made.store_id, 3);
    let mut log = Log::default();
    ship(&mut log, &a, &mut b);
    assert_eq!(rotate(&mut b), 1);
    assert_eq!(rotate(&mut c), 0);
    log.push(&b);

    // C, new to the store, gets B's sealed-again secret before the person it belongs to: it
    // waits, and is applied once the person arrives in the same page.
    let b_id = kassa_store::foundation::device::device(b.conn())
        .unwrap()
        .unwrap()
        .id;
    let (from_b, rest): (Vec<_>, Vec<_>) = log
        .entries
        .iter()
        .cloned()
        .partition(|e| e.change.device_id == b_id);
    let reordered: Vec<_> = from_b.into_iter().chain(rest).collect();
    let end = log.entries.last().unwrap().server_seq;
    let report = kassa_store::foundation::apply::apply_remote(&mut c, &reordered, end).unwrap();
    assert_eq!(report.parked, 0, "{report:?}");
    let blob = totp_blob(&b, &made.admin_id);
    assert_eq!(StoreKey::sealed_epoch(&blob), 2);
    assert_eq!(totp_blob(&c, &made.admin_id), blob);
    assert_eq!(
        totp_version(&c, &made.admin_id),
        totp_version(&a, &made.admin_id)
    );
    let staff_rows = |s: &Store| -> Vec<String> {
        dump(s.conn())
            .into_iter()
            .filter(|r| r.starts_with("staff:"))
            .collect()
    };
    assert_eq!(staff_rows(&c), staff_rows(&b));
    sign_in_with_totp(&mut c, &made.totp_secret).expect("signs in on C");
}
