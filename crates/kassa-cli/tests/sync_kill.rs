//! Killed in the middle of a sync: `kassa sync` and `kassa server` are killed with SIGKILL
//! at moments spread over a long push (thousands of changes), again and again. Whatever was
//! cut, the device's store opens, nothing it made is lost or sent twice, and once a sync
//! runs to its end a device that joins holds exactly the same catalog, stock and sales.

mod common;
use common::*;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const PRODUCTS: usize = 3000;

fn catalog_csv(dir: &Path) -> std::path::PathBuf {
    let mut text = String::from("sku,name,price\n");
    for i in 0..PRODUCTS {
        text.push_str(&format!(
            "K-{i:05},Kill test item {i},{}.{:02}\n",
            1 + i % 20,
            i % 100
        ));
    }
    let path = dir.join("catalog.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// Starts `kassa sync` on `dir`, its output thrown away.
fn spawn_sync(dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_kassa"))
        .arg("--data")
        .arg(dir)
        .args(["sync", "--json"])
        .env("KASSA_DEVICE_KEY", KEY)
        .env("KASSA_STORE_KEY", STORE_KEY)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("kassa sync starts")
}

/// Starts `kassa sync` and kills it (SIGKILL) after `after`; true when it had finished.
fn sync_killed_after(dir: &Path, after: Duration) -> bool {
    let mut child = spawn_sync(dir);
    std::thread::sleep(after);
    let finished = child.try_wait().expect("wait").is_some();
    let _ = child.kill();
    let _ = child.wait();
    finished
}

/// The synced content both devices must agree on.
fn facts(dir: &Path) -> Vec<i64> {
    counts(
        dir,
        &[
            "products",
            "stock_movements",
            "orders",
            "order_lines",
            "payments",
            "price_history",
        ],
    )
}

fn total_stock(dir: &Path) -> i64 {
    let c = rusqlite::Connection::open(dir.join("kassa.db")).unwrap();
    c.query_row("SELECT ifnull(sum(qty), 0) FROM stock_movements", [], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn a_sync_killed_at_any_moment_loses_nothing_and_sends_nothing_twice() {
    let server_data = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", server_data.path().join("server.db").display());
    let a_dir = tempfile::tempdir().unwrap();
    let a = a_dir.path();
    let mut server = Server::start("127.0.0.1:0", &database, server_data.path());
    let listen = server.addr.clone();

    let setup = setup(a);
    let secret = setup["admin"]["totp_secret"].as_str().unwrap().to_string();
    let store_id = setup["store_id"].as_str().unwrap().to_string();
    ok(kassa_env(
        a,
        &["login", "--as", "a@example.com", "--json"],
        &[("KASSA_PASSWORD", PASSWORD), ("KASSA_OTP", &totp(&secret))],
    ));
    let csv = catalog_csv(a_dir.path());
    ok(kassa(
        a,
        &["product", "import", csv.to_str().unwrap(), "--json"],
    ));
    ok(kassa(
        a,
        &[
            "product", "add", "--sku", "OAT-1", "--name", "Oat milk", "--price", "249", "--stock",
            "100", "--json",
        ],
    ));
    let code = pairing_code(server_data.path(), &database, None);
    ok(kassa(
        a,
        &["pair", "--server", &server.url(), "--code", &code, "--json"],
    ));
    let waiting = counts(a, &["outbox"])[0];
    assert!(waiting > PRODUCTS as i64, "{waiting} changes wait");

    // Kill the device's sync, or the server, at moments spread over the push; sell between.
    let delays = [
        15u64, 60, 5, 120, 35, 250, 90, 10, 180, 45, 400, 25, 150, 70, 300,
    ];
    let mut sold = Vec::new();
    let mut cut = 0;
    for (round, ms) in delays.iter().enumerate() {
        if round % 3 == 2 {
            // The server dies mid-request and comes back on the same database.
            let mut syncing = spawn_sync(a);
            std::thread::sleep(Duration::from_millis(*ms));
            let _ = server.child.kill();
            let _ = server.child.wait();
            let _ = syncing.wait();
            drop(server);
            server = Server::start(&listen, &database, server_data.path());
        } else if !sync_killed_after(a, Duration::from_millis(*ms)) {
            cut += 1;
        }
        // The store opens after every kill, and the till sells on.
        let sale = ok(kassa(
            a,
            &["sell", "--line", "OAT-1=1", "--pay", "cash=500", "--json"],
        ));
        sold.push(sale["number"].as_str().unwrap().to_string());
    }

    // The kills did land mid-sync (the push was not over before them).
    assert!(
        cut >= 3,
        "only {cut} syncs were cut off; the push is too short to test this"
    );

    // A sync that runs to its end empties the outbox; a second one has nothing to do.
    let mut report = ok(kassa(a, &["sync", "--json"]));
    for _ in 0..3 {
        if counts(a, &["outbox"])[0] == 0 {
            break;
        }
        report = ok(kassa(a, &["sync", "--json"]));
    }
    assert_eq!(counts(a, &["outbox"])[0], 0, "{report}");
    let again = ok(kassa(a, &["sync", "--json"]));
    assert_eq!(again["pushed"], 0, "{again}");

    // A device that joins holds exactly what A holds: every product, movement and sale once.
    let b_root = tempfile::tempdir().unwrap();
    let b = b_root.path().join("till-2");
    let code = pairing_code(server_data.path(), &database, Some(&store_id));
    let joined = ok(kassa(
        &b,
        &["pair", "--server", &server.url(), "--code", &code, "--json"],
    ));
    assert!(
        joined["pulled"].as_u64().unwrap() > PRODUCTS as u64,
        "{joined}"
    );
    assert_eq!(facts(&b), facts(a));
    assert_eq!(counts(&b, &["products"])[0], PRODUCTS as i64 + 1);
    assert_eq!(counts(&b, &["orders"])[0], sold.len() as i64);
    assert_eq!(total_stock(&b), total_stock(a));
    assert_eq!(total_stock(a), 100 - sold.len() as i64);
    ok(kassa_env(
        &b,
        &["login", "--as", "a@example.com", "--json"],
        &[
            ("KASSA_PASSWORD", PASSWORD),
            ("KASSA_OTP", &totp_at(&secret, now() + 30)),
        ],
    ));
    for number in &sold {
        let order = ok(kassa(&b, &["order", number, "--json"]));
        assert_eq!(order["number"], number.as_str(), "{order}");
    }
    let verify = ok(kassa(a, &["audit", "verify", "--json"]));
    assert_eq!(verify["ok"], true, "{verify}");
    let open = ok(kassa(&b, &["conflicts", "--json"]));
    assert_eq!(
        open["conflicts"],
        serde_json::Value::Array(vec![]),
        "{open}"
    );
    assert_eq!(counts(a, &["conflicts"])[0], 0);
    drop(server);
}
