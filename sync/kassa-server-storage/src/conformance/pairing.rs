//! Pairing: device codes, one-time and expiring codes, conflicts, tokens.

use super::fixtures::*;
use crate::{Paired, Storage, StorageError};

pub async fn devices_of_a_store_get_codes_01_then_02(s: &dyn Storage) {
    let first = new_store(s, STORE_A, DEV_1).await;
    assert_eq!(
        first,
        Paired {
            store_id: STORE_A.into(),
            device_id: DEV_1.into(),
            device_code: "01".into(),
            sealed_store_key: Some(sealed_key(STORE_A)),
        }
    );
    let second = join(s, STORE_A, DEV_2).await;
    assert_eq!(second.device_code, "02");
    assert_eq!(second.store_id, STORE_A);

    // A store record naming the code's own store is accepted; one naming another is not.
    let c = code(s, "join-3-same", Some(STORE_A), T3).await;
    let third = s
        .pair(pair_input(&c, DEV_3, Some(store(STORE_A, "0a"))))
        .await
        .expect("same store");
    assert_eq!(third.device_code, "03");
    let c = code(s, "join-other", Some(STORE_A), T3).await;
    let other = s
        .pair(pair_input(&c, DEV_B, Some(store(STORE_B, "0b"))))
        .await;
    assert!(
        matches!(other, Err(StorageError::Conflict(_))),
        "a store record of another store: {other:?}"
    );

    // A new store's code without the store record pairs nothing.
    let c = code(s, "new-without-store", None, T3).await;
    assert!(s.pair(pair_input(&c, DEV_B, None)).await.is_err());
    assert_eq!(s.devices(STORE_A).await.expect("devices").len(), 3);
}

pub async fn a_joining_device_receives_the_stores_sealed_key(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    new_store(s, STORE_B, DEV_B).await;
    let second = join(s, STORE_A, DEV_2).await;
    assert_eq!(second.sealed_store_key, Some(sealed_key(STORE_A)));
    // A device that brings another key for an existing store does not replace the kept one.
    let c = code(s, "join-3-own-key", Some(STORE_A), T3).await;
    let mut input = pair_input(&c, DEV_3, Some(store(STORE_A, "0a")));
    input.sealed_store_key = Some(b"another key".to_vec());
    let third = s.pair(input).await.expect("same store");
    assert_eq!(third.sealed_store_key, Some(sealed_key(STORE_A)));
    let fourth = join(s, STORE_A, DEV_4).await;
    assert_eq!(fourth.sealed_store_key, Some(sealed_key(STORE_A)));
}

pub async fn a_first_device_without_a_store_key_is_refused(s: &dyn Storage) {
    let c = code(s, "new-without-key", None, T3).await;
    let mut input = pair_input(&c, DEV_1, Some(store(STORE_A, "0a")));
    input.sealed_store_key = None;
    let r = s.pair(input).await;
    assert!(
        matches!(r, Err(StorageError::InvalidInput(_))),
        "a new store without its key: {r:?}"
    );
    let mut input = pair_input(&c, DEV_1, Some(store(STORE_A, "0a")));
    input.sealed_store_key = Some(Vec::new());
    let r = s.pair(input).await;
    assert!(
        matches!(r, Err(StorageError::InvalidInput(_))),
        "a new store with an empty key: {r:?}"
    );
    assert!(s.devices(STORE_A).await.expect("devices").is_empty());
    // Nothing was used up: the code still pairs the store with its key.
    let r = s
        .pair(pair_input(&c, DEV_1, Some(store(STORE_A, "0a"))))
        .await
        .expect("code still usable");
    assert_eq!(r.sealed_store_key, Some(sealed_key(STORE_A)));
}

pub async fn a_pairing_code_works_once(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    let c = code(s, "once", Some(STORE_A), T3).await;
    s.pair(pair_input(&c, DEV_2, None))
        .await
        .expect("first use");
    let again = s.pair(pair_input(&c, DEV_3, None)).await;
    assert!(
        matches!(again, Err(StorageError::PairingCodeInvalid)),
        "second use: {again:?}"
    );
    let unknown = s.pair(pair_input(&hash("never-issued"), DEV_3, None)).await;
    assert!(
        matches!(unknown, Err(StorageError::PairingCodeInvalid)),
        "unknown code: {unknown:?}"
    );
    assert_eq!(s.devices(STORE_A).await.expect("devices").len(), 2);
}

pub async fn an_expired_pairing_code_is_refused(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    // The pairing happens at T1: a code expiring exactly then is already expired.
    let c = code(s, "expires-at-t1", Some(STORE_A), T1).await;
    let r = s.pair(pair_input(&c, DEV_2, None)).await;
    assert!(
        matches!(r, Err(StorageError::PairingCodeInvalid)),
        "expired code: {r:?}"
    );
    let c = code(s, "expires-later", Some(STORE_A), LATER).await;
    assert_eq!(
        s.pair(pair_input(&c, DEV_2, None))
            .await
            .expect("valid code")
            .device_code,
        "02"
    );
}

pub async fn a_new_store_code_for_a_store_that_exists_is_a_conflict(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    let c = code(s, "new-again", None, T3).await;
    let r = s
        .pair(pair_input(&c, DEV_2, Some(store(STORE_A, "0a"))))
        .await;
    assert!(
        matches!(r, Err(StorageError::Conflict(_))),
        "store paired twice: {r:?}"
    );
    assert_eq!(s.devices(STORE_A).await.expect("devices").len(), 1);
    // The failed pairing changed nothing: the code is still unused.
    let r = s
        .pair(pair_input(&c, DEV_2, Some(store(STORE_B, "0b"))))
        .await
        .expect("code still usable");
    assert_eq!(r.store_id, STORE_B);
}

pub async fn a_device_id_paired_twice_is_a_conflict(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    let c = code(s, "twice", Some(STORE_A), T3).await;
    let r = s.pair(pair_input(&c, DEV_1, None)).await;
    assert!(
        matches!(r, Err(StorageError::Conflict(_))),
        "device id registered twice: {r:?}"
    );
    let c = code(s, "twice-other-store", None, T3).await;
    let r = s
        .pair(pair_input(&c, DEV_1, Some(store(STORE_B, "0b"))))
        .await;
    assert!(
        matches!(r, Err(StorageError::Conflict(_))),
        "device id of another store: {r:?}"
    );
    assert_eq!(s.devices(STORE_A).await.expect("devices").len(), 1);
    assert!(s.devices(STORE_B).await.expect("devices").is_empty());
}

pub async fn a_token_hash_finds_its_device(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    join(s, STORE_A, DEV_2).await;
    let auth = s
        .authenticate(&hash(&format!("token-{DEV_2}")))
        .await
        .expect("authenticate");
    let auth = auth.expect("a known token");
    assert_eq!(auth.device_id, DEV_2);
    assert_eq!(auth.store_id, STORE_A);
    assert_eq!(auth.device_code, "02");
    assert!(!auth.revoked && !auth.blocked);
    assert_eq!(
        s.authenticate(&hash("unknown token"))
            .await
            .expect("authenticate"),
        None
    );
}
