//! `kassa devices` with the server out of reach: the store's devices as this device last
//! heard them at a sync, marked with that time; never heard, the clear `server_unreachable`.

mod common;

use common::*;
use std::net::TcpListener;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[test]
fn the_devices_list_shows_as_last_heard_while_the_server_is_out_of_reach() {
    let server_data = tempfile::tempdir().unwrap();
    let till = tempfile::tempdir().unwrap();
    let d = till.path();
    let database = format!(
        "sqlite:{}",
        server_data.path().join("server.db").to_string_lossy()
    );
    let listen = format!("127.0.0.1:{}", free_port());
    signed_in_store(d);
    let server = Server::start(&listen, &database, server_data.path());
    let code = pairing_code(server_data.path(), &database, None);
    let paired = ok(kassa(
        d,
        &["pair", "--server", &server.url(), "--code", &code, "--json"],
    ));
    let device_id = paired["device_id"].as_str().unwrap().to_string();
    drop(server);

    // Never heard: nothing to show, and the reason.
    let r = kassa(d, &["devices", "--json"]);
    assert_eq!(r.err["error"]["code"], "server_unreachable", "{}", r.err);

    // A sync hears the list; online the answer is the server's own.
    let server = Server::start(&listen, &database, server_data.path());
    ok(kassa(d, &["sync", "--json"]));
    let online = ok(kassa(d, &["devices", "--json"]));
    assert!(online["heard_at"].is_null(), "{online}");
    assert_eq!(online["devices"].as_array().unwrap().len(), 1, "{online}");
    drop(server);

    // Out of reach: the same list, with when it was heard.
    let offline = ok(kassa(d, &["devices", "--json"]));
    assert!(offline["heard_at"].is_string(), "{offline}");
    assert_eq!(offline["devices"], online["devices"], "{offline}");
    assert_eq!(offline["devices"][0]["device_id"], device_id.as_str());
    assert_eq!(offline["devices"][0]["this_device"], true);
    let human = kassa(d, &["devices"]);
    assert!(human.ok, "{}", human.err);
    assert!(
        human.stdout.contains("The server cannot be reached"),
        "{}",
        human.stdout
    );
}
