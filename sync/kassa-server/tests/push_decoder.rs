//! The push decoder against arbitrary input: it never panics, and whatever it accepts is a
//! batch the server may take (the device's own changes, consecutive, well formed).

use kassa_server::validate::decode_push;
use kassa_sync_protocol::wire::{MAX_PUSH_CHANGES, PushRequest, PushedChange};
use proptest::prelude::*;
use serde_json::{Value, json};

const DEVICE: &str = "0190d000-0000-7000-8000-000000000001";

/// What the server promises about an accepted batch, checked independently of the decoder.
fn acceptable(req: &PushRequest) -> bool {
    let n = req.changes.len();
    (1..=MAX_PUSH_CHANGES).contains(&n)
        && !req.batch_id.trim().is_empty()
        && req
            .changes
            .windows(2)
            .all(|w| w[0].seq.checked_add(1) == Some(w[1].seq))
        && req.changes.iter().all(|c| {
            c.seq >= 1
                && c.seq <= i64::MAX as u64
                && c.change.hlc <= i64::MAX as u64
                && c.change.device_id == DEVICE
                && uuid::Uuid::try_parse(&c.change.change_id).is_ok()
                && !c.change.entity.trim().is_empty()
                && !c.change.entity_id.trim().is_empty()
                && c.change.payload.is_object()
        })
}

fn check(body: &[u8]) {
    if let Ok((req, hash)) = decode_push(body, DEVICE) {
        // The payloads it kept as text read as JSON again.
        let req = PushRequest {
            batch_id: req.batch_id,
            changes: req
                .changes
                .into_iter()
                .map(|c| PushedChange {
                    seq: c.seq,
                    change: c
                        .change
                        .map_payload(|p| p.to_value())
                        .expect("an accepted payload is JSON"),
                })
                .collect(),
        };
        assert!(
            acceptable(&req),
            "accepted an invalid batch: {}",
            String::from_utf8_lossy(body)
        );
        assert_eq!(hash.len(), 64);
    }
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("batch_id".to_owned()),
                    Just("changes".to_owned()),
                    Just("seq".to_owned()),
                    Just("change_id".to_owned()),
                    Just("device_id".to_owned()),
                    "[a-z_]{1,10}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A change that is sometimes right and often wrong in one or more fields.
fn near_change(seq: u64) -> impl Strategy<Value = Value> {
    (
        prop_oneof![Just(seq), Just(0u64), Just(u64::MAX), Just(i64::MAX as u64 + 1), 1u64..10],
        prop_oneof![
            4 => Just(DEVICE.to_owned()),
            1 => Just("0190d000-0000-7000-8000-000000000002".to_owned()),
            1 => Just(String::new()),
        ],
        prop_oneof![
            4 => any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).to_string()),
            1 => Just("not-a-uuid".to_owned()),
            1 => Just(String::new()),
        ],
        prop_oneof![4 => Just("products".to_owned()), 1 => Just(String::new()), 1 => Just(" ".to_owned()), 1 => Just("x".repeat(65))],
        prop_oneof![4 => Just(json!({"name": "Tea"})), 1 => Just(json!([1, 2])), 1 => Just(Value::Null), 1 => Just(json!(3))],
        prop_oneof![Just(1u64 << 20), Just(u64::MAX), any::<u64>()],
        prop_oneof![Just("upsert"), Just("insert"), Just("event"), Just("delete")],
    )
        .prop_map(|(seq, device_id, change_id, entity, payload, hlc, op)| {
            json!({"seq": seq, "change_id": change_id, "entity": entity, "entity_id": "p1",
                "op": op, "payload": payload, "hlc": hlc, "device_id": device_id})
        })
}

fn near_batch() -> impl Strategy<Value = Value> {
    (1u64..5, 0usize..5, prop_oneof![4 => Just("b-1".to_owned()), 1 => Just(String::new()), 1 => Just("b".repeat(200))])
        .prop_flat_map(|(start, n, batch_id)| {
            let changes: Vec<_> = (0..n as u64).map(|i| near_change(start + i)).collect();
            (Just(batch_id), changes)
        })
        .prop_map(|(batch_id, changes)| json!({"batch_id": batch_id, "changes": changes}))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        check(&body);
    }

    #[test]
    fn arbitrary_json_never_panics_nor_passes_as_a_batch(v in any_json()) {
        check(&serde_json::to_vec(&v).unwrap());
    }

    #[test]
    fn near_valid_batches_are_accepted_only_when_valid(v in near_batch()) {
        let body = serde_json::to_vec(&v).unwrap();
        check(&body);
        // And a fully valid batch is never refused.
        if let Ok(req) = serde_json::from_slice::<PushRequest>(&body)
            && fully_valid(&req)
        {
            prop_assert!(decode_push(&body, DEVICE).is_ok(), "refused a valid batch: {}", v);
        }
    }
}

/// Acceptable, and within every bound the edge checks.
fn fully_valid(req: &PushRequest) -> bool {
    let mut ids: Vec<_> = req
        .changes
        .iter()
        .map(|c| c.change.change_id.as_str())
        .collect();
    ids.sort();
    acceptable(req)
        && req.batch_id.chars().count() <= 128
        && req
            .changes
            .iter()
            .all(|c| c.change.entity.chars().count() <= 64)
        && ids.windows(2).all(|w| w[0] != w[1])
}

#[test]
fn the_same_changes_always_hash_the_same() {
    let body = json!({"batch_id": "b", "changes": [{"seq": 1, "change_id": "0190c000-0000-7000-8000-000000000001",
        "entity": "products", "entity_id": "p", "op": "upsert", "payload": {"b": 1, "a": 2}, "hlc": 5, "device_id": DEVICE}]});
    let (_, h1) = decode_push(&serde_json::to_vec(&body).unwrap(), DEVICE).unwrap();
    let (_, h2) = decode_push(&serde_json::to_vec(&body).unwrap(), DEVICE).unwrap();
    assert_eq!(h1, h2);
    let mut other = body.clone();
    other["changes"][0]["payload"]["a"] = json!(3);
    let (_, h3) = decode_push(&serde_json::to_vec(&other).unwrap(), DEVICE).unwrap();
    assert_ne!(h1, h3);
}
