//! Sync commands a device answers without a server: status before pairing, pairing with a
//! server that cannot be reached or may not be trusted, and syncing before pairing.

mod common;

use common::Device;
use kassa_app::dto::{NoInput, SyncPairInput};

fn pair(d: &Device, url: &str) -> kassa_app::ApiResult<kassa_app::dto::SyncPairOutput> {
    d.api.sync_pair(SyncPairInput {
        server_url: url.into(),
        code: "PAIR-1".into(),
        device_name: None,
    })
}

#[test]
fn a_device_not_paired_says_so_and_keeps_its_outbox_when_asked_to_sync() {
    let d = Device::demo();
    d.sign_in("cashier");
    let status = d.api.sync_status(NoInput {}).unwrap();
    assert_eq!(status.state, "not_paired");
    assert!(status.paired.is_none() && status.last_error.is_none());
    assert!(status.pending_changes > 0);

    let before = d.footprint();
    let err = d.api.sync_now(NoInput {}).unwrap_err();
    assert_eq!(err.code, "not_paired");
    assert!(err.message.contains("kassa pair"), "{}", err.message);
    assert_eq!(d.footprint(), before);
}

#[test]
fn pairing_with_a_server_that_cannot_be_reached_changes_nothing() {
    let d = Device::demo();
    d.sign_in("admin");
    let before = d.footprint();
    // Nothing listens on port 1 of this machine.
    let err = pair(&d, "http://127.0.0.1:1").unwrap_err();
    assert_eq!(err.code, "server_unreachable");
    assert!(err.message.contains("127.0.0.1:1"), "{}", err.message);
    assert_eq!(d.footprint(), before);
    assert_eq!(d.api.sync_status(NoInput {}).unwrap().state, "not_paired");
}

#[test]
fn plain_http_to_another_machine_is_refused_before_anything_is_sent() {
    let d = Device::demo();
    d.sign_in("admin");
    let err = pair(&d, "http://sync.example.com").unwrap_err();
    assert_eq!(err.code, "invalid_input");
    assert!(err.message.contains("https://"), "{}", err.message);
    assert_eq!(d.api.sync_status(NoInput {}).unwrap().state, "not_paired");
}

#[test]
fn only_an_admin_pairs_or_lists_devices() {
    let d = Device::demo();
    d.sign_in("manager");
    assert_eq!(
        pair(&d, "https://sync.example.com").unwrap_err().code,
        "forbidden"
    );
    assert_eq!(
        d.api.devices_list(NoInput {}).unwrap_err().code,
        "forbidden"
    );
}
