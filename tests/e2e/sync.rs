//! A paired till that loses its server: paired through the Devices page, it sells while the
//! server is down (the badge says offline and the outbox lists the sale), and once the server
//! is back on the same database and port the background sync delivers the sale by itself.

use crate::harness::{App, kassa};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// A fixed server key, so a restarted server opens the store keys it sealed before.
const SERVER_KEY: &str = "c2VydmVyLWtleS1mb3ItdGhlLWUyZS10ZXN0cy0zMmI=";

fn kassa_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kassa-desktop")).with_file_name("kassa")
}

/// A running `kassa server`, killed when dropped.
struct Server {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    addr: String,
}

impl Server {
    fn start(listen: &str, dir: &Path) -> Server {
        let mut child = Command::new(kassa_bin())
            .arg("--data")
            .arg(dir)
            .args(["server", "--listen", listen, "--database"])
            .arg(format!("sqlite:{}", dir.join("server.db").display()))
            .env("KASSA_SERVER_KEY", SERVER_KEY)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("kassa server starts (cargo build -p kassa-cli)");
        let mut stdout = BufReader::new(child.stdout.take().expect("the server's stdout"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("the server's first line");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("the server did not say where it listens: {line:?}")
        });
        let addr = v["listening"].as_str().expect("listening").to_string();
        Server {
            child,
            _stdout: stdout,
            addr,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits up to `secs` for the sync badge to be in `state`.
async fn badge_state(app: &App, state: &str, secs: u64) {
    for _ in 0..secs * 4 {
        if app.attr("sync-badge", "data-state").await == state {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!(
        "the sync badge never said {state}: it says {} ({})",
        app.attr("sync-badge", "data-state").await,
        app.text("sync-badge").await
    );
}

#[tokio::test]
async fn a_till_sells_while_its_server_is_down_and_the_sale_arrives_once_it_is_back() {
    let server_dir = tempfile::tempdir().expect("server folder");
    let server = Server::start("127.0.0.1:0", server_dir.path());
    let url = server.url();
    let code = kassa(
        server_dir.path(),
        &[
            "server",
            "pairing-code",
            "--database",
            &format!("sqlite:{}", server_dir.path().join("server.db").display()),
        ],
        &[("KASSA_SERVER_KEY", SERVER_KEY)],
    )["code"]
        .as_str()
        .expect("a pairing code")
        .to_string();

    let app = App::start_with("sync_offline", |data| {
        kassa(data, &["demo"], &[]);
    })
    .await;
    app.el("demo-logins").await;
    app.click("demo-use-admin").await;
    app.click("login-submit").await;
    app.el("main-frame").await;
    assert_eq!(app.attr("sync-badge", "data-state").await, "not_paired");

    // Pair on the Devices page.
    app.click("nav-admin").await;
    app.click("admin-tab-devices").await;
    app.el("pair-form").await;
    app.screenshot("01-pair-form").await;
    app.fill("pair-url", &url).await;
    app.fill("pair-code", &code).await;
    app.click("pair-submit").await;
    app.wait_text("devices-paired-with", &url).await;
    app.el("devices-list").await;
    badge_state(&app, "online", 30).await;
    app.screenshot("02-paired").await;

    // The server goes away; the till sells all the same.
    drop(server);
    app.click("nav-sell").await;
    app.el("sell-screen").await;
    app.click("open-shift").await;
    app.fill("count-2000", "5").await;
    app.click("shift-open-submit").await;
    app.el("x-report").await;
    app.click("shift-dialog-close").await;
    app.scan("sell-search-input", "BAK-CROI").await;
    app.el("cart-line").await;
    app.click("pay").await;
    app.el("pay-dialog").await;
    app.click("pay-exact").await;
    let number = app.attr("pay-result", "data-number").await;
    app.click("receipt-done").await;

    // The sale's write woke the sync, which found no server.
    badge_state(&app, "offline", 30).await;
    app.el("sync-pending").await;
    app.el("offline-banner").await;
    app.click("sync-badge").await;
    app.el("outbox-screen").await;
    app.wait_text("outbox-last-error", "cannot be reached")
        .await;
    assert_eq!(
        app.text("outbox-records-sales").await.trim(),
        "1",
        "the sale {number} waits"
    );
    app.screenshot("03-offline-outbox").await;

    // The server comes back on the same database and port: the backoff (at most 60 s)
    // finds it, and the outbox drains with nobody touching anything.
    let back = Server::start(&url["http://".len()..], server_dir.path());
    assert_eq!(back.url(), url);
    let started = std::time::Instant::now();
    badge_state(&app, "online", 90).await;
    eprintln!(
        "[e2e] the badge said synced {:?} after the server came back",
        started.elapsed()
    );
    app.el("outbox-empty").await;
    assert!(!app.has("sync-pending").await);
    assert!(!app.has("offline-banner").await);
    app.screenshot("04-synced-outbox").await;
    app.quit().await;
    drop(back);
}
