//! Seats of a departure held as allotments through the real `kassa server` (SQLite): once
//! paired, a device sells only the seats the server granted it, asks for them at booking time
//! while online, is refused beyond what it holds while offline (the message names them), and
//! the pool is never oversold by two devices booking offline.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

fn book(d: &Path, dep: &str, names: &[&str]) -> common::Run {
    let mut args = vec!["book", "--departure", dep];
    for n in names {
        args.push("--traveller");
        args.push(n);
    }
    args.push("--json");
    kassa(d, &args)
}

fn departure(d: &Path, dep: &str) -> Value {
    ok(kassa(d, &["departure", "show", dep, "--json"]))
}

#[test]
fn two_paired_devices_book_one_departure_offline_within_their_allotments() {
    let server_data = tempfile::tempdir().unwrap();
    let db = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", db.path().join("server.db").display());
    let a_dir = tempfile::tempdir().unwrap();
    let b_root = tempfile::tempdir().unwrap();
    let (a, b) = (a_dir.path(), b_root.path().join("laptop-2"));
    let b = b.as_path();
    let server = Server::start("127.0.0.1:0", &database, server_data.path());

    let setup = setup(a);
    let admin_secret = setup["admin"]["totp_secret"].as_str().unwrap().to_string();
    let store_id = setup["store_id"].as_str().unwrap().to_string();
    ok(kassa_env(
        a,
        &["login", "--as", "a@example.com", "--json"],
        &[
            ("KASSA_PASSWORD", PASSWORD),
            ("KASSA_OTP", &totp(&admin_secret)),
        ],
    ));
    let dep = garda_departure(a, 5, 60);
    // Not paired: the device holds every seat and lists no allotment.
    let list = ok(kassa(a, &["allotment", "list", "--json"]));
    assert_eq!(list["paired"], false, "{list}");
    assert!(departure(a, &dep)["allotment"].is_null());

    let code = pairing_code(server_data.path(), &database, None);
    ok(kassa(
        a,
        &["pair", "--server", &server.url(), "--code", &code, "--json"],
    ));
    // Online with no seats held, a booking asks the server for them first.
    let r = book(a, &dep, &["Grace Hopper", "Alan Turing"]);
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["status"], "held", "{}", r.out);
    let d = departure(a, &dep);
    assert_eq!(d["allotment"]["held"], 2, "{d}");
    assert_eq!(d["allotment"]["used"], 2, "{d}");
    // Two more for the fair.
    let d = ok(kassa(
        a,
        &[
            "allotment",
            "request",
            "--departure",
            &dep,
            "--seats",
            "2",
            "--json",
        ],
    ));
    assert_eq!(d["allotment"]["held"], 4, "{d}");
    assert_eq!(d["allotment"]["usable"], 2, "{d}");
    let list = ok(kassa(a, &["allotment", "list", "--json"]));
    assert_eq!(list["paired"], true, "{list}");
    assert_eq!(list["items"][0]["id"], dep.as_str(), "{list}");

    // B joins; the server has one seat left to give.
    let code = pairing_code(server_data.path(), &database, Some(&store_id));
    ok(kassa(
        b,
        &["pair", "--server", &server.url(), "--code", &code, "--json"],
    ));
    ok(kassa_env(
        b,
        &["login", "--as", "a@example.com", "--json"],
        &[
            ("KASSA_PASSWORD", PASSWORD),
            ("KASSA_OTP", &totp_at(&admin_secret, now() + 30)),
        ],
    ));
    let r = kassa(
        b,
        &[
            "allotment",
            "request",
            "--departure",
            &dep,
            "--seats",
            "2",
            "--json",
        ],
    );
    assert!(!r.ok, "{}", r.stdout);
    assert_eq!(r.err["error"]["code"], "insufficient_seats", "{}", r.err);
    assert!(
        r.err["error"]["message"].as_str().unwrap().contains("1 "),
        "{}",
        r.err
    );
    let d = ok(kassa(
        b,
        &[
            "allotment",
            "request",
            "--departure",
            &dep,
            "--seats",
            "1",
            "--json",
        ],
    ));
    assert_eq!(d["allotment"]["held"], 1, "{d}");

    // The server goes away. Each device sells what it holds, and no more.
    let listen = server.addr.clone();
    drop(server);
    let r = book(a, &dep, &["Ada Lovelace", "Edsger Dijkstra"]);
    assert!(r.ok, "{}", r.err);
    let r = book(a, &dep, &["Barbara Liskov"]);
    assert!(!r.ok, "{}", r.stdout);
    assert_eq!(r.err["error"]["code"], "insufficient_seats", "{}", r.err);
    let said = r.err["error"]["message"].as_str().unwrap();
    assert!(said.contains("this device holds 4 seats"), "{said}");
    let r = book(b, &dep, &["Margaret Hamilton"]);
    assert!(r.ok, "{}", r.err);
    let r = book(b, &dep, &["Frances Allen"]);
    assert!(!r.ok, "{}", r.stdout);
    assert_eq!(r.err["error"]["code"], "insufficient_seats", "{}", r.err);

    // Back online, both sync: five seats booked of five, on both devices, with no conflict.
    let _server = Server::start(&listen, &database, server_data.path());
    for d in [a, b, a] {
        let report = ok(kassa(d, &["sync", "--json"]));
        assert_eq!(report["conflicts"], 0, "{report}");
    }
    for d in [a, b] {
        let shown = departure(d, &dep);
        assert_eq!(shown["seats_taken"], 5, "{shown}");
        assert_eq!(shown["seats_left"], 0, "{shown}");
    }
    // The grants are in the departure's history on both devices.
    for d in [a, b] {
        let history = ok(kassa(
            d,
            &[
                "audit",
                "list",
                "--entity",
                "departure",
                "--id",
                &dep,
                "--json",
            ],
        ));
        let actions: Vec<&str> = history["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert_eq!(
            actions
                .iter()
                .filter(|a| **a == "allotment.granted")
                .count(),
            3,
            "{actions:?} on {}",
            d.display()
        );
        assert!(actions.contains(&"departure.created"), "{actions:?}");
    }
}
