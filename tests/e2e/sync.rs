//! A paired till that loses its server: paired through the Devices page, it sells while the
//! server is down (the badge says offline and the outbox lists the sale), and once the server
//! is back on the same database and port the background sync delivers the sale by itself.

use crate::harness::{App, kassa, totp_code};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// A fixed server key, so a restarted server opens the store keys it sealed before.
pub(crate) const SERVER_KEY: &str = "c2VydmVyLWtleS1mb3ItdGhlLWUyZS10ZXN0cy0zMmI=";

fn kassa_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kassa-desktop")).with_file_name("kassa")
}

/// A running `kassa server`, killed when dropped.
pub(crate) struct Server {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    addr: String,
}

impl Server {
    fn start(listen: &str, dir: &Path) -> Server {
        Self::start_with(listen, dir, &[])
    }

    /// A server with more options (`--updates-dir DIR`...).
    pub(crate) fn start_with(listen: &str, dir: &Path, extra: &[&str]) -> Server {
        Self::start_env(listen, dir, extra, &[])
    }

    /// A server with more options and environment (the card provider's key and address).
    pub(crate) fn start_env(
        listen: &str,
        dir: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Server {
        let mut child = Command::new(kassa_bin())
            .arg("--data")
            .arg(dir)
            .args(["server", "--listen", listen, "--database"])
            .arg(format!("sqlite:{}", dir.join("server.db").display()))
            .args(extra)
            .env("KASSA_SERVER_KEY", SERVER_KEY)
            .envs(env.iter().copied())
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

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A one-time pairing code made on the server's database in `server_dir`: for a new store's
/// first device, or with `store` for another device of that store.
pub(crate) fn pairing_code(server_dir: &Path, store: Option<&str>) -> String {
    let database = format!("sqlite:{}", server_dir.join("server.db").display());
    let mut args = vec!["server", "pairing-code", "--database", &database];
    if let Some(id) = store {
        args.extend(["--store", id]);
    }
    kassa(server_dir, &args, &[("KASSA_SERVER_KEY", SERVER_KEY)])["code"]
        .as_str()
        .expect("a pairing code")
        .to_string()
}

/// Waits up to `secs` for the sync badge to be in `state`.
pub(crate) async fn badge_state(app: &App, state: &str, secs: u64) {
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
    let code = pairing_code(server_dir.path(), None);

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

    // A code for another device, as text and as a QR code: an empty folder joins with it.
    app.click("pairing-code-new").await;
    app.el("pairing-code-qr").await;
    let code = app.text("pairing-code-text").await.trim().to_string();
    assert_eq!(code.len(), 19, "{code}");
    assert_eq!(app.text("pairing-code-server").await.trim(), url);
    app.screenshot("02b-pairing-code").await;
    app.click("pairing-code-done").await;
    let till2 = server_dir.path().join("till-2");
    let joined = kassa(&till2, &["pair", "--server", &url, "--code", &code], &[]);
    assert_eq!(joined["device_code"], "02", "{joined}");
    for _ in 0..40 {
        if app.has("device-02").await {
            break;
        }
        app.click("admin-tab-overview").await;
        app.click("admin-tab-devices").await;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    app.el("device-02").await;

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

    // Admin -> Devices still lists the store's devices, as this till last heard them.
    app.click("nav-admin").await;
    app.click("admin-tab-devices").await;
    app.el("devices-offline").await;
    app.el("device-02").await;
    assert!(
        !app.has("device-revoke-02").await,
        "revoking needs the server"
    );
    app.screenshot("03b-devices-offline").await;
    app.click("sync-badge").await;
    app.el("outbox-screen").await;

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

/// The TOTP code of a base32 secret now (the people a test signs in each use their own).
fn code_now(secret_b32: &str) -> String {
    let secret = totp_rs::Secret::Encoded(secret_b32.replace(' ', ""))
        .to_bytes()
        .expect("base32 secret");
    totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        secret,
        None,
        String::new(),
    )
    .generate_current()
    .expect("a code")
}

/// The demo person with `role`: (email, password, TOTP secret).
pub(crate) fn person(demo: &serde_json::Value, role: &str) -> (String, String, String) {
    let p = demo["staff"]
        .as_array()
        .and_then(|s| s.iter().find(|p| p["role"] == role))
        .unwrap_or_else(|| panic!("the demo has a {role}: {demo}"));
    let text = |f: &str| p[f].as_str().expect("text").to_string();
    (text("email"), text("password"), text("totp_secret"))
}

/// Signs `who` in on the device in `dir` with the current code; the 30 s step it used.
pub(crate) fn login(dir: &Path, who: &(String, String, String)) -> u64 {
    kassa(
        dir,
        &["login", "--as", &who.0],
        &[("KASSA_PASSWORD", &who.1), ("KASSA_OTP", &code_now(&who.2))],
    );
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        / 30
}

/// Makes the demo store in `data`, signs its admin in there, pairs it with the server at
/// `url` (whose data is in `server_dir`) and syncs once, from the command line.
pub(crate) fn paired_demo(data: &Path, url: &str, server_dir: &Path) {
    let demo = kassa(data, &["demo"], &[]);
    login(data, &person(&demo, "admin"));
    kassa(
        data,
        &[
            "pair",
            "--server",
            url,
            "--code",
            &pairing_code(server_dir, None),
        ],
        &[],
    );
    kassa(data, &["sync"], &[]);
}

#[tokio::test]
async fn a_conflict_between_two_tills_is_decided_in_the_inbox_and_closes_on_both() {
    let server_dir = tempfile::tempdir().expect("server folder");
    let server = Server::start("127.0.0.1:0", server_dir.path());
    let url = server.url();
    let code = |store: Option<&str>| pairing_code(server_dir.path(), store);
    let till2 = server_dir.path().join("till-2");
    let mut admin = (String::new(), String::new(), String::new());
    let mut admin_step = 0;

    // Till 1 (the window's folder) sells and syncs; till 2 joins. Then, apart, till 1 voids
    // the sale and till 2 refunds part of it: the state machine cannot take both.
    let app = App::start_with("sync_conflict", |a| {
        let demo = kassa(a, &["demo"], &[]);
        admin = person(&demo, "admin");
        admin_step = login(a, &admin);
        kassa(a, &["pair", "--server", &url, "--code", &code(None)], &[]);
        let store = kassa(a, &["sync"], &[]);
        assert!(store["pushed"].as_u64() > Some(0), "{store}");
        let sale = kassa(
            a,
            &["sell", "--line", "BAK-CROI=2", "--pay", "cash=1000"],
            &[],
        );
        let number = sale["number"]
            .as_str()
            .expect("a receipt number")
            .to_string();
        kassa(a, &["sync"], &[]);
        let status = kassa(a, &["status"], &[]);
        let store_id = status["store"]["id"]
            .as_str()
            .expect("store id")
            .to_string();
        kassa(
            &till2,
            &[
                "pair",
                "--server",
                &url,
                "--code",
                &code(Some(&store_id)),
                "--name",
                "Till 2",
            ],
            &[],
        );
        login(&till2, &person(&demo, "cashier"));
        kassa(
            a,
            &["void", "--order", &number, "--reason", "rang up twice"],
            &[],
        );
        kassa(
            &till2,
            &["refund", "--order", &number, "--line", "BAK-CROI=1"],
            &[],
        );
        kassa(a, &["sync"], &[]);
        let found = kassa(&till2, &["sync"], &[]);
        assert_eq!(found["conflicts"], 1, "{found}");
        let found = kassa(a, &["sync"], &[]);
        assert_eq!(found["conflicts"], 1, "{found}");
    })
    .await;

    // A manager decides it in the window.
    app.el("demo-logins").await;
    app.click("demo-use-manager").await;
    app.click("login-submit").await;
    app.el("main-frame").await;
    app.click("nav-admin").await;
    app.click("admin-tab-conflicts").await;
    app.el("conflict").await;
    assert_eq!(app.attr("conflict", "data-kind").await, "void_races_refund");
    assert_eq!(
        app.all_text("conflict", "[data-testid='conflict-side']")
            .await
            .len(),
        2
    );
    app.screenshot("01-conflict-inbox").await;
    app.click("conflict-keep-0").await;
    app.el("conflicts-empty").await;
    app.click("conflicts-show-all").await;
    app.wait_text("conflict-resolution", "Kept").await;
    app.screenshot("02-decided").await;

    // The background sync takes the decision to the server; till 2 gets it there.
    for _ in 0..120 {
        if app.attr("sync-badge", "data-state").await == "online" && !app.has("sync-pending").await
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        !app.has("sync-pending").await,
        "the decision reached the server"
    );
    kassa(&till2, &["sync"], &[]);
    // The admin's code from till 1 synced as used: the next one signs in here.
    let (code, _) = totp_code(&admin.2, Some(admin_step)).await;
    kassa(
        &till2,
        &["login", "--as", &admin.0],
        &[("KASSA_PASSWORD", &admin.1), ("KASSA_OTP", &code)],
    );
    let open = kassa(&till2, &["conflicts"], &[]);
    assert_eq!(
        open["conflicts"].as_array().map(Vec::len),
        Some(0),
        "{open}"
    );
    let all = kassa(&till2, &["conflicts", "--all"], &[]);
    assert!(
        all["conflicts"][0]["resolution"]
            .as_str()
            .is_some_and(|r| r.starts_with("Kept")),
        "{all}"
    );
    app.quit().await;
    drop(server);
}

#[tokio::test]
async fn a_new_till_joins_a_store_from_the_first_screen_and_its_staff_sign_in() {
    let server_dir = tempfile::tempdir().expect("server folder");
    let server = Server::start("127.0.0.1:0", server_dir.path());
    let url = server.url();
    let code = |store: Option<&str>| pairing_code(server_dir.path(), store);
    // Till 1 runs the demo store and has synced it.
    let till1 = server_dir.path().join("till-1");
    let demo = kassa(&till1, &["demo"], &[]);
    login(&till1, &person(&demo, "admin"));
    kassa(
        &till1,
        &["pair", "--server", &url, "--code", &code(None)],
        &[],
    );
    kassa(&till1, &["sync"], &[]);
    let store_id = kassa(&till1, &["status"], &[])["store"]["id"]
        .as_str()
        .expect("store id")
        .to_string();
    let join_code = code(Some(&store_id));

    let app = App::start("sync_join").await;
    app.click("setup-mode-join").await;
    app.el("join-form").await;
    app.fill("join-url", &url).await;
    app.fill("join-code", &join_code).await;
    app.fill("join-name", "Till 2").await;
    app.screenshot("01-join-form").await;
    app.click("join-submit").await;

    // The store arrived: its cashier signs in here with the authenticator they already have.
    app.el("login-screen").await;
    app.screenshot("02-sign-in").await;
    let cashier = person(&demo, "cashier");
    app.fill("login-email", &cashier.0).await;
    app.fill("login-password", &cashier.1).await;
    app.fill("login-code", &code_now(&cashier.2)).await;
    app.click("login-submit").await;
    app.el("main-frame").await;
    app.wait_text("store-name-label", "Corner Shop (demo)")
        .await;
    badge_state(&app, "online", 30).await;
    app.screenshot("03-joined-main-frame").await;
    app.quit().await;
    drop(server);
}
