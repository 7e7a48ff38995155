//! The stories, each on a fresh server over the storage it is given.

use super::support::*;
use chrono::Utc;
use kassa_server::{issue_pairing_code, route_specs};
use kassa_server_storage::Storage;
use kassa_sync_protocol::wire::{
    DevicesResponse, HandshakeResponse, MAX_BODY_BYTES, PushResponse, PushedChange,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

pub async fn a_device_learns_whether_it_must_update(storage: Arc<dyn Storage>) {
    let s = start(storage).await;
    let (status, body) = s
        .call(
            Method::POST,
            "/handshake",
            None,
            Some(json!({"protocol": 1, "schema_version": 7})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["max_push_changes"],
        kassa_sync_protocol::wire::MAX_PUSH_CHANGES,
        "the handshake says how many changes a push may carry"
    );
    let h: HandshakeResponse = serde_json::from_value(body).unwrap();
    assert!(!h.update_required);
    assert_eq!(
        h.min_schema_version,
        kassa_server::validate::MIN_SCHEMA_VERSION
    );
    let (_, body) = s
        .call(
            Method::POST,
            "/handshake",
            None,
            Some(json!({"protocol": 1, "schema_version": 2})),
        )
        .await;
    assert_eq!(body["update_required"], true);
    let (status, body) = s
        .call(
            Method::POST,
            "/handshake",
            None,
            Some(json!({"protocol": 99, "schema_version": 7})),
        )
        .await;
    assert_eq!(status, StatusCode::UPGRADE_REQUIRED);
    assert_eq!(error_code(&body), "update_required");
    // An old device cannot pair either.
    let code = issue_pairing_code(&*s.storage, None, Utc::now())
        .await
        .unwrap();
    let body = json!({"code": code.code, "protocol": 1, "schema_version": 2, "device_id": uuid(), "device_name": "Till"});
    let (status, body) = s.call(Method::POST, "/pair", None, Some(body)).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::UPGRADE_REQUIRED, "update_required")
    );

    // A push may say its schema version; an old one is refused before anything is stored.
    let till = s.new_store().await;
    let url = format!("{}/push", s.base);
    let body = json!({"batch_id": uuid(), "changes": [change(&till.id, 1)]});
    for (header, want) in [
        ("2", StatusCode::UPGRADE_REQUIRED),
        ("six", StatusCode::BAD_REQUEST),
        ("7", StatusCode::OK),
    ] {
        let res = s
            .http
            .post(&url)
            .bearer_auth(&till.token)
            .header(kassa_server::SCHEMA_VERSION_HEADER, header)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), want, "schema {header}");
    }
}

pub async fn two_tills_of_a_store_see_each_others_changes(storage: Arc<dyn Storage>) {
    let s = start(storage).await;
    let till1 = s.new_store().await;
    let till2 = s.join(&till1.store_id).await;
    assert_eq!((till1.code.as_str(), till2.code.as_str()), ("01", "02"));
    assert_eq!(till2.store_id, till1.store_id);

    let batch: Vec<_> = (1..=3).map(|q| change(&till1.id, q)).collect();
    let (status, body) = s.push(&till1, &uuid(), &batch).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r: PushResponse = serde_json::from_value(body).unwrap();
    assert_eq!((r.accepted, r.acked_seq), (3, 3));

    let page = s.pull(&till2, 0).await;
    assert_eq!(page.changes.len(), 3);
    assert_eq!((page.cursor, page.remaining), (3, 0));
    assert_eq!(page.changes[0].change, batch[0].change);
    let own = s.pull(&till1, 0).await;
    assert!(
        own.changes.is_empty(),
        "a till never gets its own changes back"
    );
    assert_eq!(own.cursor, 3);

    let (status, _) = s.push(&till2, &uuid(), &[change(&till2.id, 1)]).await;
    assert_eq!(status, StatusCode::OK);
    let page = s.pull(&till1, 3).await;
    assert_eq!(page.changes.len(), 1);
    assert_eq!(page.changes[0].server_seq, 4);

    let (status, body) = s
        .call(Method::GET, "/devices", Some(&till2.token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let d: DevicesResponse = serde_json::from_value(body).unwrap();
    assert_eq!(d.devices.len(), 2);
    assert_eq!(d.devices[0].acked_seq, 3);
    assert!(d.devices.iter().all(|x| x.last_sync_at.is_some()));
}

/// A push body as a device might write it by hand: spaces, an escaped letter, keys out of
/// order. Its payload text is kept and sent on as it came.
fn hand_written_push(device: &str, batch_id: &str, seq: u64, change_id: &str) -> String {
    format!(
        r#"{{"batch_id": "{batch_id}", "changes": [{{"seq": {seq}, "change_id": "{change_id}",
            "entity": "products", "entity_id": "p-{seq}", "op": "upsert",
            "payload": {HAND_WRITTEN_PAYLOAD}, "hlc": {hlc}, "device_id": "{device}"}}]}}"#,
        hlc = 1u64 << 20 | seq
    )
}

const HAND_WRITTEN_PAYLOAD: &str = r#"{ "price_minor": 250, "name": "Th\u00e9 vert" }"#;

pub async fn payloads_pass_through_as_sent_and_a_batch_an_earlier_server_hashed_is_recognised(
    storage: Arc<dyn Storage>,
) {
    let s = start(storage).await;
    let till = s.new_store().await;
    let reader = s.join(&till.store_id).await;
    let send = |body: String| {
        s.http
            .post(format!("{}/push", s.base))
            .bearer_auth(&till.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let res = send(hand_written_push(&till.id, &uuid(), 1, &uuid()))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = s
        .http
        .get(format!("{}/pull?after=0", s.base))
        .bearer_auth(&reader.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!(r#""payload":{HAND_WRITTEN_PAYLOAD},"#)),
        "the payload's text is sent on as it came: {page}"
    );
    let read: kassa_sync_protocol::wire::PullResponse = serde_json::from_str(&page).unwrap();
    assert_eq!(
        read.changes[0].change.payload,
        json!({"name": "Thé vert", "price_minor": 250})
    );

    // An earlier server took batch `b2` and hashed it with its payloads rewritten; its answer
    // was lost, and the device sends the very same batch to this server.
    let (batch_id, change_id) = (uuid(), uuid());
    let body = hand_written_push(&till.id, &batch_id, 2, &change_id);
    let as_trees: kassa_sync_protocol::wire::PushRequest = serde_json::from_str(&body).unwrap();
    let earlier_hash = kassa_server::sha256_hex(&serde_json::to_vec(&as_trees.changes).unwrap());
    let first = s
        .storage
        .push(kassa_server_storage::PushInput {
            store_id: till.store_id.clone(),
            device_id: till.id.clone(),
            batch_id: batch_id.clone(),
            batch_hash: earlier_hash,
            audit: Vec::new(),
            changes: as_trees
                .changes
                .into_iter()
                .map(|c| c.into_raw().unwrap())
                .collect(),
            now: "2026-12-07T08:00:00.000Z".into(),
        })
        .await
        .unwrap();
    assert_eq!((first.accepted, first.acked_seq), (1, 2));
    let res = send(body).await.unwrap();
    let status = res.status();
    let answer: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        (answer["accepted"].clone(), answer["acked_seq"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(
        s.pull(&reader, 0).await.changes.len(),
        2,
        "the batch is held once"
    );
    // Another batch under that id is still refused.
    let res = send(hand_written_push(&till.id, &batch_id, 2, &uuid()))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(
        error_code(&res.json().await.unwrap()),
        "idempotency_mismatch"
    );
}

pub async fn resent_forked_and_gapped_batches_are_told_apart(storage: Arc<dyn Storage>) {
    let s = start(storage).await;
    let till = s.new_store().await;
    let reader = s.join(&till.store_id).await;
    let batch_id = uuid();
    let batch: Vec<_> = (1..=2).map(|q| change(&till.id, q)).collect();
    let (_, first) = s.push(&till, &batch_id, &batch).await;
    let (status, again) = s.push(&till, &batch_id, &batch).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (again["accepted"].clone(), again["acked_seq"].clone()),
        (first["accepted"].clone(), first["acked_seq"].clone())
    );
    assert_eq!(
        s.pull(&reader, 0).await.changes.len(),
        2,
        "a replay adds nothing"
    );

    let (status, body) = s.push(&till, &batch_id, &[change(&till.id, 3)]).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::CONFLICT, "idempotency_mismatch")
    );
    let (status, body) = s.push(&till, &uuid(), &[change(&till.id, 5)]).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::CONFLICT, "sequence_gap")
    );
    assert_eq!(
        s.pull(&reader, 0).await.changes.len(),
        2,
        "refused batches add nothing"
    );

    // A restored copy of the till sends other changes under sequence 2.
    let (status, body) = s
        .push(&till, &uuid(), &[change(&till.id, 2), change(&till.id, 3)])
        .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::CONFLICT, "device_cloned")
    );
    let (status, body) = s.call(Method::GET, "/pull", Some(&till.token), None).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::CONFLICT, "device_cloned")
    );
    assert_eq!(s.pull(&reader, 0).await.changes.len(), 2);
}

pub async fn strangers_revoked_devices_and_other_stores_are_kept_out(storage: Arc<dyn Storage>) {
    let s = start(storage).await;
    let a1 = s.new_store().await;
    let a2 = s.join(&a1.store_id).await;
    let b1 = s.new_store().await;
    s.push(&a1, &uuid(), &[change(&a1.id, 1)]).await;

    let (status, body) = s.call(Method::GET, "/pull", None, None).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    let forged = kassa_server::new_token();
    let (status, body) = s.call(Method::GET, "/devices", Some(&forged), None).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    let (status, _) = s
        .call(Method::GET, "/devices", Some("not a token"), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Store B sees nothing of store A and cannot touch its devices.
    let page = s.pull(&b1, 0).await;
    assert!(page.changes.is_empty());
    assert_eq!(page.remaining, 0);
    let (status, body) = s
        .call(
            Method::POST,
            &format!("/devices/{}/revoke", a2.id),
            Some(&b1.token),
            None,
        )
        .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let (_, body) = s.call(Method::GET, "/devices", Some(&b1.token), None).await;
    let d: DevicesResponse = serde_json::from_value(body).unwrap();
    assert_eq!(d.devices.len(), 1);
    assert_eq!(d.devices[0].device_id, b1.id);
    assert_eq!(s.pull(&a2, 0).await.changes.len(), 1, "a2 still works");

    // A revoked device is refused at once.
    let (status, body) = s
        .call(
            Method::POST,
            &format!("/devices/{}/revoke", a2.id),
            Some(&a1.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = s.call(Method::GET, "/pull", Some(&a2.token), None).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::UNAUTHORIZED, "device_revoked")
    );
    let (status, _) = s.push(&a2, &uuid(), &[change(&a2.id, 1)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(s.pull(&a1, 0).await.changes.len(), 0);

    // A code past its hour is refused; a code for a store the server does not hold is not issued.
    let stale = issue_pairing_code(
        &*s.storage,
        Some(&a1.store_id),
        Utc::now() - chrono::Duration::hours(2),
    )
    .await
    .unwrap();
    let (status, body) = s.pair_with(&stale.code, None).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::BAD_REQUEST, "invalid_pairing_code")
    );
    let unknown = issue_pairing_code(&*s.storage, Some(&uuid()), Utc::now()).await;
    assert_eq!(unknown.err().map(|e| e.code()), Some("not_found"));

    // A pairing code works once.
    let code = issue_pairing_code(&*s.storage, Some(&a1.store_id), Utc::now())
        .await
        .unwrap();
    assert_eq!(s.pair_with(&code.code, None).await.0, StatusCode::OK);
    let (status, body) = s.pair_with(&code.code, None).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::BAD_REQUEST, "invalid_pairing_code")
    );
    let audit = s.storage.audit(&a1.store_id).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "device.revoked"));
}

pub async fn bad_requests_get_typed_errors_and_change_nothing(storage: Arc<dyn Storage>) {
    let s = start(storage).await;
    let till = s.new_store().await;
    let url = format!("{}/push", s.base);
    let send = |body: Vec<u8>, content_type: Option<&'static str>| {
        let mut req = s.http.post(&url).bearer_auth(&till.token).body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        async move {
            let res = req.send().await.unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = send(b"{\"batch_id\": ".to_vec(), Some("application/json")).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::BAD_REQUEST, "invalid_input")
    );
    let (status, body) = send(
        br#"{"batch_id": 5, "changes": "many"}"#.to_vec(),
        Some("application/json"),
    )
    .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::BAD_REQUEST, "invalid_input")
    );
    let (status, body) = send(br#"{"batch_id": "b", "changes": []}"#.to_vec(), None).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_input")
    );
    let mut huge = br#"{"batch_id": "b", "changes": [], "pad": ""#.to_vec();
    huge.resize(MAX_BODY_BYTES + 16, b'x');
    let (status, body) = send(huge, Some("application/json")).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );

    let cases = [
        json!({"batch_id": "b", "changes": []}),
        json!({"batch_id": "", "changes": [change(&till.id, 1)]}),
        json!({"batch_id": "b", "changes": [change(&uuid(), 1)]}),
        json!({"batch_id": "b", "changes": [change(&till.id, 1), change(&till.id, 3)]}),
        json!({"batch_id": "b", "changes": [change(&till.id, 0)]}),
    ];
    for body in cases {
        let (status, answer) = s
            .call(Method::POST, "/push", Some(&till.token), Some(body.clone()))
            .await;
        assert_eq!(
            (status, error_code(&answer).as_str()),
            (StatusCode::BAD_REQUEST, "invalid_input"),
            "{body}"
        );
    }
    let mut bad_id = change(&till.id, 1);
    bad_id.change.change_id = "not-a-uuid".into();
    let (status, _) = s.push(&till, "b", &[bad_id]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for q in [
        "/pull?limit=0",
        "/pull?after=-1",
        "/pull?after=abc",
        "/pull?cursor=1",
    ] {
        let (status, body) = s.call(Method::GET, q, Some(&till.token), None).await;
        assert_eq!(
            (status, error_code(&body).as_str()),
            (StatusCode::BAD_REQUEST, "invalid_input"),
            "{q}"
        );
    }
    let (status, body) = s
        .call(
            Method::POST,
            "/devices/not-a-uuid/revoke",
            Some(&till.token),
            None,
        )
        .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::BAD_REQUEST, "invalid_input")
    );
    let (status, body) = s
        .pair_with(
            "ABCD-EFGH",
            Some(json!({"id": "x", "code": "S", "name": "N", "currency": "EUR"})),
        )
        .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::BAD_REQUEST, "invalid_input")
    );

    let (status, body) = s.call(Method::GET, "/no/such/route", None, None).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let (status, body) = s.call(Method::DELETE, "/push", None, None).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );

    let page = s.pull(&till, 0).await;
    assert_eq!(
        (page.cursor, page.remaining),
        (0, 0),
        "nothing reached the log"
    );
    let devices = s.storage.devices(&till.store_id).await.unwrap();
    assert_eq!(devices[0].acked_seq, 0);
}

pub async fn metrics_count_requests_and_changes(storage: Arc<dyn Storage>) {
    let s = start(storage).await;
    let till = s.new_store().await;
    let other = s.join(&till.store_id).await;
    s.push(&till, &uuid(), &[change(&till.id, 1), change(&till.id, 2)])
        .await;
    s.pull(&other, 0).await;
    s.call(Method::GET, "/nowhere", None, None).await;
    let res = s
        .http
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("kassa_sync_changes_accepted_total 2"),
        "{text}"
    );
    assert!(text.contains("kassa_sync_pulls_total 1"), "{text}");
    assert!(
        text.contains(r#"route="/api/v1/push",method="POST",status="200""#),
        "{text}"
    );
    assert!(
        text.contains(r#"route="unmatched",method="GET",status="404""#),
        "{text}"
    );
    // Per store: both devices, and how long ago the one synced least recently last synced.
    let store = &till.store_id;
    assert!(
        text.contains(&format!(r#"kassa_store_devices{{store="{store}"}} 2"#)),
        "{text}"
    );
    let lag = text
        .lines()
        .find(|l| {
            l.starts_with(&format!(
                r#"kassa_store_sync_lag_seconds{{store="{store}"}} "#
            ))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or_else(|| panic!("no sync lag for the store: {text}"));
    assert!((0..120).contains(&lag), "{lag}");
    let (status, body) = s.call(Method::GET, "/health", None, None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
}

pub async fn the_openapi_document_lists_exactly_the_served_routes(storage: Arc<dyn Storage>) {
    let s = start(storage).await;
    let (status, doc) = s.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (p.clone(), m.clone()))
        })
        .collect();
    let mut served: Vec<(String, String)> = route_specs()
        .iter()
        .map(|r| (r.path.to_owned(), r.method.to_owned()))
        .collect();
    documented.sort();
    served.sort();
    assert_eq!(documented, served);

    let methods = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
    ];
    let host = s.base.trim_end_matches("/api/v1").to_owned();
    for (path, ops) in paths {
        let concrete = path.replace("{id}", &uuid());
        for m in &methods {
            let res = s
                .http
                .request(m.clone(), format!("{host}{concrete}"))
                .send()
                .await
                .unwrap();
            let is_documented = ops.get(m.as_str().to_lowercase()).is_some();
            assert_ne!(res.status(), StatusCode::NOT_FOUND, "{m} {path} is routed");
            assert_eq!(
                res.status() != StatusCode::METHOD_NOT_ALLOWED,
                is_documented,
                "{m} {path}"
            );
        }
        // Every operation's schemas resolve.
        for op in ops.as_object().unwrap().values() {
            let text = op.to_string();
            for name in text.split("#/components/schemas/").skip(1) {
                let name = name.split('"').next().unwrap();
                assert!(
                    doc["components"]["schemas"].get(name).is_some(),
                    "schema {name}"
                );
            }
        }
    }
}

pub async fn a_full_batch_travels_and_a_first_sync_pages_through_it(storage: Arc<dyn Storage>) {
    use kassa_sync_protocol::wire::MAX_PUSH_CHANGES;
    let s = start(storage).await;
    let till = s.new_store().await;
    let newcomer = s.join(&till.store_id).await;
    let max = MAX_PUSH_CHANGES as u64;
    let too_many: Vec<_> = (1..=max + 1).map(|q| change(&till.id, q)).collect();
    let (status, body) = s.push(&till, &uuid(), &too_many).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::BAD_REQUEST, "invalid_input")
    );
    let (status, body) = s.push(&till, &uuid(), &too_many[..MAX_PUSH_CHANGES]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["accepted"], max);

    const PAGE: u64 = 1_300;
    let mut cursor = 0;
    let mut pages = Vec::new();
    loop {
        let path = format!("/pull?after={cursor}&limit={PAGE}");
        let (status, body) = s
            .call(Method::GET, &path, Some(&newcomer.token), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        let page: kassa_sync_protocol::wire::PullResponse = serde_json::from_value(body).unwrap();
        if page.changes.is_empty() {
            break;
        }
        pages.push((page.changes.len(), page.remaining));
        cursor = page.cursor;
    }
    let full = max / PAGE;
    let mut expected: Vec<(usize, u64)> = (1..=full)
        .map(|i| (PAGE as usize, max - i * PAGE))
        .collect();
    if !max.is_multiple_of(PAGE) {
        expected.push(((max % PAGE) as usize, 0));
    }
    assert_eq!(pages, expected);
    let (status, body) = s
        .call(
            Method::GET,
            "/pull?limit=4000000000",
            Some(&newcomer.token),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a large limit is capped, not refused"
    );
    assert_eq!(
        body["changes"].as_array().unwrap().len(),
        MAX_PUSH_CHANGES.min(kassa_sync_protocol::wire::MAX_PULL_CHANGES as usize)
    );
}

pub async fn the_store_key_reaches_joining_devices_and_a_first_device_must_bring_it(
    storage: Arc<dyn Storage>,
) {
    let s = start(storage).await;
    let till = s.new_store().await;
    assert_eq!(till.store_key, TEST_STORE_KEY);
    let laptop = s.join(&till.store_id).await;
    assert_eq!(laptop.store_key, TEST_STORE_KEY);

    // A first device without its store key, or with one that is not 32 bytes, is refused
    // and the code stays usable.
    let code = issue_pairing_code(&*s.storage, None, Utc::now())
        .await
        .unwrap();
    let store = json!({"id": uuid(), "code": "S2", "name": "Kiosk", "currency": "EUR"});
    for key in [None, Some("c2hvcnQ"), Some("not base64 at all!")] {
        let mut body = json!({"code": code.code, "protocol": 1, "schema_version": 7,
            "device_id": uuid(), "device_name": "Till", "store": store});
        if let Some(k) = key {
            body["store_key"] = json!(k);
        }
        let (status, body) = s.call(Method::POST, "/pair", None, Some(body)).await;
        assert_eq!(
            (status, error_code(&body).as_str()),
            (StatusCode::BAD_REQUEST, "invalid_input"),
            "store key {key:?}: {body}"
        );
    }
    // A key without its store is refused too.
    let join = issue_pairing_code(&*s.storage, Some(&till.store_id), Utc::now())
        .await
        .unwrap();
    let body = json!({"code": join.code, "protocol": 1, "schema_version": 7, "device_id": uuid(),
        "device_name": "Till", "store_key": TEST_STORE_KEY});
    let (status, body) = s.call(Method::POST, "/pair", None, Some(body)).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::BAD_REQUEST, "invalid_input"),
        "{body}"
    );
    let (status, body) = s.pair_with(&code.code, Some(store)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// A paired device asks for a code for another device of its own store: the code joins
/// that store once, a stranger gets none, and a revoked device none either.
pub async fn a_device_issues_pairing_codes_for_its_own_store(storage: Arc<dyn Storage>) {
    let s = start(storage).await;
    let a1 = s.new_store().await;
    let b1 = s.new_store().await;

    let (status, body) = s.call(Method::POST, "/pairing-codes", None, None).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    let (status, body) = s
        .call(Method::POST, "/pairing-codes", Some(&a1.token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let issued: kassa_sync_protocol::wire::PairingCodeResponse =
        serde_json::from_value(body).unwrap();
    assert_eq!(issued.store_id, a1.store_id);
    assert_eq!(issued.code.len(), 19, "{}", issued.code);
    assert!(issued.expires_at > kassa_server::timestamp(chrono::Utc::now()));

    // The code joins store A, once.
    let (status, body) = s.pair_with(&issued.code, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let a2 = device(body);
    assert_eq!(a2.store_id, a1.store_id);
    assert_eq!(a2.store_key, a1.store_key);
    let (status, _) = s.pair_with(&issued.code, None).await;
    assert_ne!(status, StatusCode::OK, "a code is good once");

    // Store B's code joins store B, never A.
    let (_, body) = s
        .call(Method::POST, "/pairing-codes", Some(&b1.token), None)
        .await;
    let other: kassa_sync_protocol::wire::PairingCodeResponse =
        serde_json::from_value(body).unwrap();
    assert_eq!(other.store_id, b1.store_id);
    assert_ne!(other.code, issued.code);

    // A revoked device makes no more codes.
    let (status, body) = s
        .call(
            Method::POST,
            &format!("/devices/{}/revoke", a2.id),
            Some(&a1.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = s
        .call(Method::POST, "/pairing-codes", Some(&a2.token), None)
        .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::UNAUTHORIZED, "device_revoked")
    );
}

/// The server holds each till's audit chain head: a push whose audit entries do not continue
/// it (a replaced link, an edited entry, a gap, another device's entry, a chain that does not
/// start at the genesis) is refused whole and stores nothing; a good one moves the head, which
/// every pull publishes.
pub async fn audit_segments_must_continue_the_chain_the_server_holds(storage: Arc<dyn Storage>) {
    let s = start(storage).await;
    let till = s.new_store().await;
    let reader = s.join(&till.store_id).await;
    let mut chain = Chain::new(&till.id);
    let first = vec![change(&till.id, 1), chain.next(2), chain.next(3)];
    let first_batch = uuid();
    let (status, body) = s.push(&till, &first_batch, &first).await;
    assert_eq!(
        (status, body["accepted"].clone()),
        (StatusCode::OK, json!(3)),
        "{body}"
    );
    let held = |page: &kassa_sync_protocol::wire::PullResponse| {
        page.audit_heads
            .iter()
            .map(|h| (h.device_id.clone(), h.seq, h.hash.clone(), h.server_seq))
            .collect::<Vec<_>>()
    };
    let after_first = vec![(till.id.clone(), 2, hex::encode(chain.head), 3)];
    assert_eq!(held(&s.pull(&reader, 0).await), after_first);

    let e1_hash = {
        let page = s.pull(&reader, 0).await;
        page.changes[1].change.payload["hash"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut e1 = [0u8; 32];
    hex::decode_to_slice(&e1_hash, &mut e1).unwrap();
    let refused: Vec<(&str, Vec<PushedChange>)> = vec![
        // Entry 3 written after entry 1: entry 2 was replaced or removed on the till.
        (
            "a link to another entry",
            vec![audit_entry(&till.id, 4, 3, e1, |_| {}).0],
        ),
        // Entry 3's total changed after it was hashed.
        ("an edited entry", {
            let (mut c, _) = audit_entry(&till.id, 4, 3, chain.head, |_| {});
            c.change.payload["after"] = json!("{\"total_minor\":1}");
            vec![c]
        }),
        // Entry 4 when the server holds up to 2.
        (
            "a gap",
            vec![
                change(&till.id, 4),
                audit_entry(&till.id, 5, 4, chain.head, |_| {}).0,
            ],
        ),
        // An entry of the reader's chain pushed by the till.
        (
            "another device's entry",
            vec![
                audit_entry(&till.id, 4, 3, chain.head, |e| {
                    e.device_id = reader.id.clone();
                })
                .0,
            ],
        ),
    ];
    for (what, batch) in refused {
        let (status, body) = s.push(&till, &uuid(), &batch).await;
        assert_eq!(
            (status, error_code(&body).as_str()),
            (StatusCode::CONFLICT, "audit_chain_break"),
            "{what}: {body}"
        );
        let page = s.pull(&reader, 0).await;
        assert_eq!(page.changes.len(), 3, "{what} stores nothing");
        assert_eq!(held(&page), after_first, "{what} leaves the head");
    }
    // The reader's first entry must follow the genesis.
    let (status, body) = s
        .push(
            &reader,
            &uuid(),
            &[audit_entry(&reader.id, 1, 1, [9; 32], |_| {}).0],
        )
        .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::CONFLICT, "audit_chain_break"),
        "{body}"
    );

    // The good entry 3 goes through, and the batch sent again answers the same.
    let good = vec![chain.next(4)];
    let good_batch = uuid();
    let (status, body) = s.push(&till, &good_batch, &good).await;
    assert_eq!(
        (status, body["acked_seq"].clone()),
        (StatusCode::OK, json!(4)),
        "{body}"
    );
    let (status, again) = s.push(&till, &good_batch, &good).await;
    assert_eq!(
        (status, again["accepted"].clone()),
        (StatusCode::OK, json!(1))
    );
    let (status, again) = s.push(&till, &first_batch, &first).await;
    assert_eq!(
        (status, again["acked_seq"].clone()),
        (StatusCode::OK, json!(3))
    );
    // A batch that carries held changes again with new ones after them links the new ones.
    let resent = vec![good[0].clone(), chain.next(5)];
    let (status, body) = s.push(&till, &uuid(), &resent).await;
    assert_eq!(
        (status, body["accepted"].clone()),
        (StatusCode::OK, json!(1)),
        "{body}"
    );
    let page = s.pull(&reader, 0).await;
    assert_eq!(page.changes.len(), 5);
    assert_eq!(
        held(&page),
        vec![(till.id.clone(), 4, hex::encode(chain.head), 5)]
    );
    // The till's own pull publishes its head too.
    assert_eq!(held(&s.pull(&till, 0).await), held(&page));
}
