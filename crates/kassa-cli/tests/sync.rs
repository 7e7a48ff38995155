//! `kassa pair`, `kassa sync` and `kassa devices` where no server answers: clear errors, and
//! nothing changes on the device.

mod common;
use common::*;

const WATCHED: &[&str] = &["outbox", "audit_log", "sync_state", "device"];

#[test]
fn pairing_with_a_server_that_cannot_be_reached_is_a_clear_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    signed_in_store(dir.path());
    let before = counts(dir.path(), WATCHED);
    // Nothing listens on port 1 of this machine.
    let r = kassa(
        dir.path(),
        &[
            "pair",
            "--server",
            "http://127.0.0.1:1",
            "--code",
            "PAIR-1",
            "--json",
        ],
    );
    assert!(!r.ok);
    assert_eq!(r.err["error"]["code"], "server_unreachable", "{}", r.err);
    assert!(
        r.err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1:1"),
        "{}",
        r.err
    );
    assert_eq!(counts(dir.path(), WATCHED), before);
}

#[test]
fn plain_http_to_another_machine_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    signed_in_store(dir.path());
    let before = counts(dir.path(), WATCHED);
    let r = kassa(
        dir.path(),
        &[
            "pair",
            "--server",
            "http://sync.example.com",
            "--code",
            "PAIR-1",
            "--json",
        ],
    );
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    assert!(
        r.err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("https://"),
        "{}",
        r.err
    );
    assert_eq!(counts(dir.path(), WATCHED), before);
}

#[test]
fn sync_on_a_device_not_paired_says_how_to_pair_and_keeps_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    signed_in_store(dir.path());
    let before = counts(dir.path(), WATCHED);
    let r = kassa(dir.path(), &["sync", "--json"]);
    assert!(!r.ok);
    assert_eq!(r.err["error"]["code"], "not_paired", "{}", r.err);
    assert!(
        r.err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("kassa pair"),
        "{}",
        r.err
    );
    assert_eq!(counts(dir.path(), WATCHED), before);

    let r = kassa(dir.path(), &["devices", "--json"]);
    assert_eq!(r.err["error"]["code"], "not_paired", "{}", r.err);
}

#[test]
fn pairing_needs_a_signed_in_admin() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let r = kassa(
        dir.path(),
        &[
            "pair",
            "--server",
            "https://sync.example.com",
            "--code",
            "PAIR-1",
            "--json",
        ],
    );
    assert_eq!(r.err["error"]["code"], "unauthenticated", "{}", r.err);
}

#[test]
fn joining_from_an_empty_folder_when_no_server_answers_leaves_no_store_behind() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("till-2");
    let r = kassa(
        &dir,
        &[
            "pair",
            "--server",
            "http://127.0.0.1:1",
            "--code",
            "PAIR-1",
            "--json",
        ],
    );
    assert!(!r.ok);
    assert_eq!(r.err["error"]["code"], "server_unreachable", "{}", r.err);
    assert!(!dir.exists(), "the folder the pairing made is gone");
    // Still no store: the next command says how to make or join one.
    let status = kassa(&dir, &["sync", "--json"]);
    assert_eq!(status.err["error"]["code"], "not_set_up", "{}", status.err);
}
