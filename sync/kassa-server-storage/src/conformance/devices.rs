//! Devices, revocation and the audit trail.

use super::fixtures::*;
use crate::{Storage, StorageError};

pub async fn devices_list_their_acked_sequence_and_last_sync(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    join(s, STORE_A, DEV_2).await;
    push(s, STORE_A, DEV_1, "b1", 1..=5, T2)
        .await
        .expect("push");
    s.touch(DEV_2, T3).await.expect("touch");

    let devices = s.devices(STORE_A).await.expect("devices");
    assert_eq!(devices.len(), 2);
    let (d1, d2) = (&devices[0], &devices[1]);
    assert_eq!(
        (d1.device_id.as_str(), d1.device_code.as_str()),
        (DEV_1, "01")
    );
    assert_eq!(
        (d2.device_id.as_str(), d2.device_code.as_str()),
        (DEV_2, "02")
    );
    assert_eq!(d1.acked_seq, 5);
    assert_eq!(d1.last_sync_at.as_deref(), Some(T2));
    assert_eq!(d2.acked_seq, 0);
    assert_eq!(d2.last_sync_at.as_deref(), Some(T3));
    assert_eq!(d1.paired_at, T1);
    assert_eq!(d1.name, format!("Till {}", &DEV_1[DEV_1.len() - 2..]));
    assert!(d1.revoked_at.is_none() && d2.revoked_at.is_none());
}

pub async fn revoking_a_device_is_audited_once_and_only_within_its_store(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    join(s, STORE_A, DEV_2).await;
    new_store(s, STORE_B, DEV_B).await;

    let r = revoke(s, STORE_B, DEV_2, DEV_B, T2).await;
    assert!(
        matches!(r, Err(StorageError::NotFound(_))),
        "another store's device: {r:?}"
    );
    let r = revoke(
        s,
        STORE_A,
        "0190d000-0000-7000-8000-0000000000ff",
        DEV_1,
        T2,
    )
    .await;
    assert!(
        matches!(r, Err(StorageError::NotFound(_))),
        "an unknown device: {r:?}"
    );
    let auth = s
        .authenticate(&hash(&format!("token-{DEV_2}")))
        .await
        .expect("auth")
        .expect("known");
    assert!(!auth.revoked, "a refused revocation changes nothing");

    assert_eq!(
        revoke(s, STORE_A, DEV_2, DEV_1, T2).await.expect("revoke"),
        Some(2),
        "a revocation rotates the store key"
    );
    assert_eq!(
        revoke(s, STORE_A, DEV_2, DEV_1, T3)
            .await
            .expect("revoking twice is fine"),
        None,
        "revoking twice rotates nothing"
    );
    let auth = s
        .authenticate(&hash(&format!("token-{DEV_2}")))
        .await
        .expect("auth")
        .expect("known");
    assert!(auth.revoked);
    let devices = s.devices(STORE_A).await.expect("devices");
    assert_eq!(
        devices[1].revoked_at.as_deref(),
        Some(T2),
        "the first revocation's time is kept"
    );
    assert_eq!(devices[0].revoked_at, None);

    let audit = s.audit(STORE_A).await.expect("audit");
    let revoked: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "device.revoked")
        .collect();
    assert_eq!(revoked.len(), 1, "one revocation audited: {audit:?}");
    assert_eq!(revoked[0].device_id.as_deref(), Some(DEV_2));
    assert_eq!(revoked[0].at, T2);
    assert!(
        s.audit(STORE_B)
            .await
            .expect("audit")
            .iter()
            .all(|e| e.action != "device.revoked")
    );
}

pub async fn the_audit_trail_tells_pairings_codes_revocations_and_blocks(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    join(s, STORE_A, DEV_2).await;
    revoke(s, STORE_A, DEV_2, DEV_1, T2).await.expect("revoke");
    push(s, STORE_A, DEV_1, "b1", 1..=1, T2)
        .await
        .expect("push");
    let forked = vec![change(DEV_1, 1, &cid(DEV_3, 1))];
    let r = push_changes(s, STORE_A, DEV_1, "b2", forked, T3).await;
    assert!(matches!(r, Err(StorageError::DeviceCloned { seq: 1 })));

    let audit = s.audit(STORE_A).await.expect("audit");
    let actions: Vec<(&str, Option<&str>)> = audit
        .iter()
        .map(|e| (e.action.as_str(), e.device_id.as_deref()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("device.paired", Some(DEV_1)),
            ("pairing_code.created", None),
            ("device.paired", Some(DEV_2)),
            ("device.revoked", Some(DEV_2)),
            ("store_key.rotated", Some(DEV_2)),
            ("device.blocked", Some(DEV_1)),
        ],
        "oldest first: {audit:?}"
    );
    assert!(audit.iter().all(|e| e.store_id == STORE_A));
    assert_eq!(audit[0].at, T1);
    assert_eq!(audit[5].at, T3);
}

pub async fn revoking_a_device_rotates_the_store_key_and_keeps_every_epoch(s: &dyn Storage) {
    assert_eq!(
        s.a_sealed_store_key().await.expect("a key"),
        None,
        "no store yet"
    );
    new_store(s, STORE_A, DEV_1).await;
    assert_eq!(
        s.a_sealed_store_key().await.expect("a key"),
        Some((STORE_A.to_string(), sealed_key(STORE_A))),
        "the key the server checks its own key against at start"
    );
    join(s, STORE_A, DEV_2).await;
    join(s, STORE_A, DEV_3).await;
    new_store(s, STORE_B, DEV_B).await;
    let epochs = |keys: Vec<crate::SealedStoreKey>| {
        keys.into_iter()
            .map(|k| (k.epoch, k.sealed))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        epochs(s.store_keys(STORE_A).await.expect("keys")),
        vec![(1, sealed_key(STORE_A))]
    );
    let page = s.pull(STORE_A, DEV_1, 0, 10).await.expect("pull");
    assert_eq!(page.store_key_epoch, 1);

    assert_eq!(
        revoke(s, STORE_A, DEV_3, DEV_1, T2).await.expect("revoke"),
        Some(2)
    );
    assert_eq!(
        revoke(s, STORE_A, DEV_2, DEV_1, T3).await.expect("revoke"),
        Some(3)
    );
    assert_eq!(
        epochs(s.store_keys(STORE_A).await.expect("keys")),
        vec![
            (1, sealed_key(STORE_A)),
            (2, next_key(DEV_3)),
            (3, next_key(DEV_2)),
        ],
        "every epoch is kept, oldest first"
    );
    let page = s.pull(STORE_A, DEV_1, 0, 10).await.expect("pull");
    assert_eq!(page.store_key_epoch, 3);
    // Another store's key is its own.
    assert_eq!(
        epochs(s.store_keys(STORE_B).await.expect("keys")),
        vec![(1, sealed_key(STORE_B))]
    );
    assert_eq!(
        s.pull(STORE_B, DEV_B, 0, 10)
            .await
            .expect("pull")
            .store_key_epoch,
        1
    );
    // A refused revocation rotates nothing.
    assert!(revoke(s, STORE_B, DEV_1, DEV_B, T3).await.is_err());
    assert_eq!(s.store_keys(STORE_B).await.expect("keys").len(), 1);

    let audit = s.audit(STORE_A).await.expect("audit");
    let rotated: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "store_key.rotated")
        .collect();
    assert_eq!(rotated.len(), 2, "{audit:?}");
    assert_eq!(rotated[0].device_id.as_deref(), Some(DEV_3));
    assert_eq!(rotated[0].detail["epoch"], 2);
    assert_eq!(rotated[0].detail["by_device"], DEV_1);
    assert_eq!(rotated[1].detail["epoch"], 3);
}

pub async fn store_health_tells_devices_the_oldest_sync_and_open_cards(s: &dyn Storage) {
    new_store(s, STORE_A, DEV_1).await;
    join(s, STORE_A, DEV_2).await;
    join(s, STORE_A, DEV_3).await;
    new_store(s, STORE_B, DEV_B).await;
    s.touch(DEV_1, T3).await.expect("touch");
    s.touch(DEV_2, T2).await.expect("touch");
    // DEV_3 never synced: it counts from its pairing. Revoked, it no longer counts.
    revoke(s, STORE_A, DEV_3, DEV_1, T3).await.expect("revoke");
    // Two card payments in A: one the provider has not answered, one captured.
    s.begin_card_payment(super::cards::payment_of("key-1", "pay-1", "h1", T1))
        .await
        .expect("begin");
    s.begin_card_payment(super::cards::payment_of("key-2", "pay-2", "h2", T1))
        .await
        .expect("begin");
    super::cards::captured_payment(s, "key-2", "pi_2", T2).await;

    let health = s.store_health().await.expect("store health");
    assert_eq!(health.len(), 2, "{health:?}");
    let a = health.iter().find(|h| h.store_id == STORE_A).expect("A");
    assert_eq!(a.devices, 2);
    assert_eq!(a.oldest_sync_at.as_deref(), Some(T2));
    assert_eq!(a.open_cards, vec![("EUR".to_string(), 1, 1_250)]);
    let b = health.iter().find(|h| h.store_id == STORE_B).expect("B");
    assert_eq!(b.devices, 1);
    // B's device never synced: its pairing time.
    assert_eq!(b.oldest_sync_at.as_deref(), Some(T1));
    assert!(b.open_cards.is_empty());
}
