//! Two devices of one store syncing through the real `kassa server`, on SQLite and on
//! PostgreSQL: the first device uploads its store, a second joins from an empty folder and
//! downloads it, changes travel both ways, and a sale made while the server is down arrives
//! once it is back.
//!
//! The joining device receives the store key at pairing, so the first device's admin signs in
//! there offline with the password and an authenticator code; a code used on one device is not
//! accepted again on the other once both have synced, so it takes the next one.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

fn level(dir: &Path, sku: &str) -> i64 {
    ok(kassa(dir, &["stock", sku, "--json"]))["level"]
        .as_i64()
        .unwrap()
}

fn price(dir: &Path, sku: &str) -> i64 {
    ok(kassa(dir, &["product", "show", sku, "--json"]))["product"]["price_minor"]
        .as_i64()
        .unwrap()
}

fn outbox(dir: &Path) -> i64 {
    counts(dir, &["outbox"])[0]
}

fn sync(dir: &Path) -> Value {
    ok(kassa(dir, &["sync", "--json"]))
}

/// The whole story against a server on `database`.
fn two_devices(database: &str) {
    let server_data = tempfile::tempdir().unwrap();
    let a_dir = tempfile::tempdir().unwrap();
    let b_root = tempfile::tempdir().unwrap();
    let (a, b) = (a_dir.path(), b_root.path().join("till-2"));
    let b = b.as_path();
    let server = Server::start("127.0.0.1:0", database, server_data.path());

    // Device A: a store with a product in stock, paired as the store's first device.
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
    ok(kassa(
        a,
        &[
            "product",
            "add",
            "--sku",
            "OAT-1",
            "--name",
            "Oat milk 1 l",
            "--price",
            "249",
            "--stock",
            "10",
            "--json",
        ],
    ));
    let code = pairing_code(server_data.path(), database, None);
    let paired = ok(kassa(
        a,
        &["pair", "--server", &server.url(), "--code", &code, "--json"],
    ));
    assert_eq!(paired["store_id"], store_id.as_str(), "{paired}");
    assert!(paired["device_id"].is_string(), "{paired}");
    let sale = ok(kassa(
        a,
        &["sell", "--line", "OAT-1=2", "--pay", "cash=1000", "--json"],
    ));
    let first_order = sale["number"].as_str().unwrap().to_string();
    let report = sync(a);
    assert!(report["pushed"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(outbox(a), 0);
    let again = sync(a);
    assert_eq!(again["pushed"], 0, "{again}");
    assert_eq!(again["pulled"], 0, "{again}");

    // Device B: an empty folder joins the store and downloads it.
    let code = pairing_code(server_data.path(), database, Some(&store_id));
    // B joins through the pairing link the code's QR code holds, as a scanner types it.
    let link = format!(
        "kassa://pair?server={}&code={code}",
        server.url().replace(':', "%3A").replace('/', "%2F")
    );
    let joined = ok(kassa(
        b,
        &["pair", "--server", &link, "--name", "Till 2", "--json"],
    ));
    assert_eq!(joined["store_id"], store_id.as_str(), "{joined}");
    assert_ne!(joined["device_id"], paired["device_id"], "{joined}");
    assert_ne!(joined["device_code"], paired["device_code"], "{joined}");
    assert!(joined["pulled"].as_u64().unwrap() > 0, "{joined}");
    // A code is good once: a second folder cannot join with it.
    let c_dir = tempfile::tempdir().unwrap();
    let reused = kassa(
        &c_dir.path().join("c"),
        &["pair", "--server", &server.url(), "--code", &code, "--json"],
    );
    assert!(!reused.ok, "{}", reused.stdout);
    assert!(!c_dir.path().join("c").join("kassa.db").exists());
    ok(kassa_env(
        b,
        &["login", "--as", "a@example.com", "--json"],
        &[
            ("KASSA_PASSWORD", PASSWORD),
            ("KASSA_OTP", &totp_at(&admin_secret, now() + 30)),
        ],
    ));
    // A set-up device is never moved to another store: a first-device code is refused
    // (its store is on the server already), and nothing changes here.
    let watched = &["device", "sync_state", "outbox", "audit_log"];
    let before = counts(b, watched);
    let other = pairing_code(server_data.path(), database, None);
    let moved = kassa(
        b,
        &[
            "pair",
            "--server",
            &server.url(),
            "--code",
            &other,
            "--json",
        ],
    );
    assert!(!moved.ok, "{}", moved.stdout);
    assert_eq!(moved.err["error"]["code"], "conflict", "{}", moved.err);
    assert_eq!(counts(b, watched), before);
    assert_eq!(price(b, "OAT-1"), 249);
    assert_eq!(level(b, "OAT-1"), 8);
    let order = ok(kassa(b, &["order", &first_order, "--json"]));
    assert_eq!(order["number"], first_order.as_str(), "{order}");

    // A price changed on B reaches A.
    ok(kassa(
        b,
        &["product", "price", "OAT-1", "--price", "299", "--json"],
    ));
    let report = sync(b);
    assert!(report["pushed"].as_u64().unwrap() > 0, "{report}");
    let report = sync(a);
    assert!(report["pulled"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(report["conflicts"], 0, "{report}");
    assert_eq!(price(a, "OAT-1"), 299);

    // The server goes away: A keeps selling, and its sale waits in the outbox.
    let listen = server.addr.clone();
    drop(server);
    let offline = ok(kassa(
        a,
        &["sell", "--line", "OAT-1=1", "--pay", "cash=500", "--json"],
    ));
    let offline_order = offline["number"].as_str().unwrap().to_string();
    let waiting = outbox(a);
    assert!(waiting > 0);
    let down = kassa(a, &["sync", "--json"]);
    assert!(!down.ok, "{}", down.stdout);
    assert_eq!(
        down.err["error"]["code"], "server_unreachable",
        "{}",
        down.err
    );
    assert_eq!(outbox(a), waiting);

    // Back on the same database and address: the sale arrives, and B pulls it.
    let server = Server::start(&listen, database, server_data.path());
    let report = sync(a);
    assert!(report["pushed"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(outbox(a), 0);
    let report = sync(b);
    assert!(report["pulled"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(level(b, "OAT-1"), 7);
    let order = ok(kassa(b, &["order", &offline_order, "--json"]));
    assert_eq!(order["number"], offline_order.as_str(), "{order}");
    let open = ok(kassa(b, &["conflicts", "--json"]));
    assert_eq!(open["conflicts"], Value::Array(vec![]), "{open}");

    // Offline, both tills add a product with one SKU: a conflict on both, decided on A.
    for dir in [a, b] {
        ok(kassa(
            dir,
            &[
                "product", "add", "--sku", "DUP-1", "--name", "Twice", "--price", "100", "--json",
            ],
        ));
    }
    sync(a);
    sync(b);
    sync(a);
    let listed = ok(kassa(a, &["conflicts", "--json"]));
    let found: Vec<&Value> = listed["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "duplicate_sku")
        .collect();
    assert_eq!(found.len(), 1, "{listed}");
    let id = found[0]["id"].as_str().unwrap().to_string();
    let on_b = ok(kassa(b, &["conflicts", "--json"]));
    assert!(
        on_b["conflicts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id.as_str()),
        "the same conflict on B: {on_b}"
    );
    // Bad input changes nothing.
    let empty = kassa(
        a,
        &["conflicts", "resolve", &id, "--resolution", " ", "--json"],
    );
    assert_eq!(empty.err["error"]["code"], "invalid_input", "{}", empty.err);
    let unknown = kassa(
        a,
        &[
            "conflicts",
            "resolve",
            "no-such-conflict",
            "--resolution",
            "kept",
            "--json",
        ],
    );
    assert_eq!(unknown.err["error"]["code"], "not_found", "{}", unknown.err);
    let resolved = ok(kassa(
        a,
        &[
            "conflicts",
            "resolve",
            &id,
            "--resolution",
            "kept both; the renamed one is sold as DUP-2",
            "--json",
        ],
    ));
    assert_eq!(resolved["id"], id.as_str(), "{resolved}");
    assert!(resolved["resolved_at"].is_string(), "{resolved}");
    sync(a);
    sync(b);
    for dir in [a, b] {
        let open = ok(kassa(dir, &["conflicts", "--json"]));
        assert!(
            !open["conflicts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == id.as_str()),
            "closed on every device: {open}"
        );
    }
    let all = ok(kassa(b, &["conflicts", "--all", "--json"]));
    let decided = all["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id.as_str())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        decided["resolution"], "kept both; the renamed one is sold as DUP-2",
        "{all}"
    );
    drop(server);
}

#[test]
fn two_devices_sync_through_the_server_on_sqlite() {
    let db = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", db.path().join("server.db").display());
    two_devices(&database);
}

/// A fresh PostgreSQL database for one test, dropped afterwards.
struct PgDatabase {
    server: String,
    name: String,
}

fn pg_admin(server: &str) -> (tokio::runtime::Runtime, tokio_postgres::Client) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = format!("{server}/postgres");
    let client = rt.block_on(async {
        match tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
            Ok((client, connection)) => {
                tokio::spawn(connection);
                client
            }
            Err(e) => panic!(
                "PostgreSQL is not reachable at {url} ({e}). This test needs the real server: \
                 start it with `source scripts/deps.sh && ensure_postgres`, or point \
                 KASSA_TEST_POSTGRES at one (postgres://user@host:port)."
            ),
        }
    });
    (rt, client)
}

impl PgDatabase {
    fn new() -> PgDatabase {
        let server = std::env::var("KASSA_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("kassa_test_{:x}{:x}", nanos, std::process::id());
        let (rt, admin) = pg_admin(&server);
        rt.block_on(admin.batch_execute(&format!("CREATE DATABASE {name}")))
            .unwrap_or_else(|e| panic!("could not create the test database {name}: {e}"));
        PgDatabase { server, name }
    }

    fn url(&self) -> String {
        format!("{}/{}", self.server, self.name)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (rt, admin) = pg_admin(&self.server);
        let dropped = rt.block_on(admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )));
        if dropped.is_err() {
            eprintln!("the test database {} was not dropped", self.name);
        }
    }
}

#[test]
fn two_devices_sync_through_the_server_on_postgres() {
    let db = PgDatabase::new();
    two_devices(&db.url());
}

#[test]
fn the_server_refuses_plain_http_off_loopback_and_an_unknown_database() {
    let data = tempfile::tempdir().unwrap();
    let r = kassa(data.path(), &["server", "--listen", "0.0.0.0:0", "--json"]);
    assert!(!r.ok);
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    assert!(
        r.err["error"]["message"].as_str().unwrap().contains("TLS"),
        "{}",
        r.err
    );
    let r = kassa(data.path(), &["server", "--json"]);
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    let r = kassa(
        data.path(),
        &[
            "server",
            "pairing-code",
            "--database",
            "mysql://x",
            "--json",
        ],
    );
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    // SMTP in the clear to another machine, or a TLS mode that is none, is refused at start.
    for (mode, says) in [("opportunistic", "opportunistic"), ("ssl", "starttls")] {
        let r = kassa(
            data.path(),
            &[
                "server",
                "--listen",
                "127.0.0.1:0",
                "--smtp-host",
                "smtp.example.com",
                "--smtp-from",
                "receipts@example.com",
                "--smtp-tls",
                mode,
                "--json",
            ],
        );
        assert!(!r.ok, "{mode}: {}", r.stdout);
        assert!(
            r.err["error"]["message"].as_str().unwrap().contains(says),
            "{mode}: {}",
            r.err
        );
    }
    // A device's commands still find no store in the server's folder.
    assert!(!data.path().join("kassa.db").exists());
}
