//! Starts the real Kassa desktop app under WebDriver (tauri-driver + WebKitWebDriver) and
//! drives it like a person would.
//!
//! Runs inside the X server and D-Bus session that `scripts/test` provides (Xvfb,
//! dbus-run-session, an unlocked gnome-keyring); without them it fails and says why.

use serde_json::json;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use thirtyfour::prelude::*;
use tokio::process::{Child, Command};

/// One running app with its own data folder, and the WebDriver session on it.
pub struct App {
    pub driver: WebDriver,
    /// One app at a time: two WebKit windows on two cores make both flaky.
    _turn: tokio::sync::MutexGuard<'static, ()>,
    pub out_dir: PathBuf,
    pub data_dir: PathBuf,
    tauri_driver: Child,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn require_env(var: &str, why: &str) {
    if std::env::var_os(var).is_none() {
        panic!(
            "{var} is not set: {why}. Run the end-to-end tests through scripts/test, which starts Xvfb, a D-Bus session and a keyring."
        );
    }
}

/// Where `tauri-driver` is: on PATH or in cargo's bin folder.
fn tauri_driver_bin() -> PathBuf {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        let p = PathBuf::from(home).join("bin/tauri-driver");
        if p.exists() {
            return p;
        }
    }
    if let Some(home) = std::env::var_os("HOME") {
        let p = PathBuf::from(home).join(".cargo/bin/tauri-driver");
        if p.exists() {
            return p;
        }
    }
    PathBuf::from("tauri-driver")
}

impl App {
    /// Starts the app on a fresh data folder under `target/e2e/<name>/`.
    pub async fn start(name: &str) -> App {
        Self::start_with(name, |_| {}).await
    }

    /// Starts the app after `prepare` has filled the fresh data folder (e.g. with `kassa demo`).
    pub async fn start_with(name: &str, prepare: impl FnOnce(&Path)) -> App {
        static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
        let turn = ONE_AT_A_TIME.lock().await;
        let _ = rustls::crypto::ring::default_provider().install_default();
        require_env("DISPLAY", "the app needs an X display");
        require_env(
            "DBUS_SESSION_BUS_ADDRESS",
            "the keyring needs a D-Bus session",
        );
        let out_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/e2e")
            .join(name);
        let _ = std::fs::remove_dir_all(&out_dir);
        std::fs::create_dir_all(&out_dir).expect("output folder");
        let data_dir = out_dir.join("data");
        prepare(&data_dir);

        let port = free_port();
        let native_port = free_port();
        let log = std::fs::File::create(out_dir.join("tauri-driver.log")).expect("log file");
        let tauri_driver = Command::new(tauri_driver_bin())
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .stdout(Stdio::from(log.try_clone().expect("log")))
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .expect("tauri-driver must be installed (cargo install tauri-driver --locked); scripts/test does it");
        let url = format!("http://127.0.0.1:{port}");
        wait_for_status(&url).await;

        let mut caps = thirtyfour::Capabilities::new();
        caps.set(
            "tauri:options",
            json!({
                "application": env!("CARGO_BIN_EXE_kassa-desktop"),
                "args": ["--data", data_dir.to_string_lossy()],
            }),
        )
        .expect("capabilities");
        let started = std::time::Instant::now();
        let driver = WebDriver::new(&url, caps)
            .await
            .expect("a WebDriver session on the app");
        if std::env::var_os("KASSA_E2E_TRACE").is_some() {
            eprintln!("[e2e] session: {:?}", started.elapsed());
        }
        // The webview's storage outlives one app: a test that chose German (or failed before it
        // switched back) must not leave the next one in German. Each starts in the default.
        let cleared = driver
            .execute(
                r#"const keys = Object.keys(localStorage).filter((k) => k.startsWith("kassa.locale"));
                keys.forEach((k) => localStorage.removeItem(k));
                return keys.length;"#,
                Vec::new(),
            )
            .await
            .expect("the web storage")
            .json()
            .as_u64()
            .unwrap_or(0);
        if cleared > 0 {
            driver
                .refresh()
                .await
                .expect("the app reloads in its default language");
        }
        App {
            driver,
            _turn: turn,
            out_dir,
            data_dir,
            tauri_driver,
        }
    }

    /// The element with `data-testid`, waiting up to 20 s for it to appear.
    pub async fn el(&self, testid: &str) -> WebElement {
        let started = std::time::Instant::now();
        let found = self.find(testid).await;
        if std::env::var_os("KASSA_E2E_TRACE").is_some() {
            eprintln!("[e2e] {testid}: {:?}", started.elapsed());
        }
        found
    }

    async fn find(&self, testid: &str) -> WebElement {
        self.find_within(testid, Duration::from_secs(20)).await
    }

    /// [`App::el`] after a step that is slow by design on a loaded machine (a new store:
    /// the password is hashed with argon2's memory-hard parameters), waiting up to `limit`.
    pub async fn el_within(&self, testid: &str, limit: Duration) -> WebElement {
        self.find_within(testid, limit).await
    }

    async fn find_within(&self, testid: &str, limit: Duration) -> WebElement {
        self.driver
            .query(By::Css(format!("[data-testid='{testid}']")))
            .wait(limit, Duration::from_millis(100))
            .first()
            .await
            .unwrap_or_else(|e| panic!("no element [data-testid='{testid}'] appeared: {e}"))
    }

    /// Whether an element with `data-testid` is on screen now.
    pub async fn has(&self, testid: &str) -> bool {
        !self
            .driver
            .find_all(By::Css(format!("[data-testid='{testid}']")))
            .await
            .unwrap_or_default()
            .is_empty()
    }

    /// Clicks the element with `data-testid` once it is enabled: a click on a disabled
    /// button does nothing, so a screen still answering the last step must not swallow it.
    pub async fn click(&self, testid: &str) {
        self.driver
            .query(By::Css(format!("[data-testid='{testid}']")))
            .and_enabled()
            .wait(Duration::from_secs(20), Duration::from_millis(100))
            .first()
            .await
            .unwrap_or_else(|e| panic!("no enabled [data-testid='{testid}'] appeared: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click [{testid}]: {e}"));
    }

    /// Types `text` into the element with `data-testid`, replacing what was there.
    pub async fn fill(&self, testid: &str, text: &str) {
        let el = self.el(testid).await;
        el.clear()
            .await
            .unwrap_or_else(|e| panic!("clear [{testid}]: {e}"));
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into [{testid}]: {e}"));
    }

    /// Types `text` and Enter into the element with `data-testid`, as a barcode scanner does.
    pub async fn scan(&self, testid: &str, text: &str) {
        let el = self.el(testid).await;
        el.send_keys(text.to_string() + Key::Enter)
            .await
            .unwrap_or_else(|e| panic!("scan into [{testid}]: {e}"));
    }

    /// An attribute of the element with `data-testid`.
    pub async fn attr(&self, testid: &str, name: &str) -> String {
        self.el(testid)
            .await
            .attr(name)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("[{testid}] has no attribute {name}"))
    }

    /// Presses a key on the page (Escape, F12...).
    pub async fn press(&self, key: Key) {
        self.driver
            .action_chain()
            .send_keys(key)
            .perform()
            .await
            .unwrap_or_else(|e| panic!("press a key: {e}"));
    }

    /// The visible text of the element with `data-testid`.
    /// (WebKitWebDriver's "element text" endpoint answers empty strings, so this reads `innerText`.)
    pub async fn text(&self, testid: &str) -> String {
        inner_text(&self.el(testid).await).await
    }

    /// The texts of the `css` children of the element with `data-testid`.
    pub async fn all_text(&self, testid: &str, css: &str) -> Vec<String> {
        let parent = self.el(testid).await;
        let mut out = Vec::new();
        for child in parent.find_all(By::Css(css)).await.unwrap_or_default() {
            out.push(inner_text(&child).await);
        }
        out
    }

    /// Waits until the element's text contains `needle`, up to 20 s.
    pub async fn wait_text(&self, testid: &str, needle: &str) -> String {
        for _ in 0..200 {
            let t = self.text(testid).await;
            if t.contains(needle) {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "[{testid}] never showed '{needle}'; it shows '{}'",
            self.text(testid).await
        );
    }

    /// Saves a screenshot as `<out_dir>/<name>.png` and returns its path. Every screen a test
    /// shows is also checked for accessibility first (see [`App::assert_accessible`]), so a
    /// screen added later is checked as soon as a test looks at it.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let started = std::time::Instant::now();
        let path = self.out_dir.join(format!("{name}.png"));
        // Let the page paint what the last action changed (an iframe's document, a dialog).
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.assert_accessible(name).await;
        self.driver
            .screenshot(&path)
            .await
            .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        if std::env::var_os("KASSA_E2E_TRACE").is_some() {
            eprintln!("[e2e] screenshot {name}: {:?}", started.elapsed());
        }
        path
    }

    /// Runs axe-core (from the UI's packages) in the page and fails on any violation of
    /// WCAG 2.1 A or AA; the findings are written to `<out_dir>/<name>.axe.json`.
    pub async fn assert_accessible(&self, name: &str) {
        let axe_js =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&axe_js).unwrap_or_else(|e| {
            panic!("cannot read {}: {e} (run npm ci in ui/)", axe_js.display())
        });
        self.driver
            .execute(
                format!("if (typeof window.axe === 'undefined') {{ {source}\n; window.axe = axe; }} return typeof window.axe;"),
                Vec::new(),
            )
            .await
            .unwrap_or_else(|e| panic!("inject axe-core: {e}"));
        // The receipt preview is a document of its own (the printed receipt), not the app's UI.
        let ret = self
            .driver
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                window.axe.run(document, {
                  runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
                  resultTypes: ["violations"],
                  iframes: false,
                }).then(
                  (r) => done(JSON.stringify(r.violations.map((v) => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
                  })))),
                  (e) => done(JSON.stringify({ error: String(e) })),
                );"#,
                Vec::new(),
            )
            .await
            .unwrap_or_else(|e| panic!("run axe-core on {name}: {e}"));
        let text = ret.json().as_str().unwrap_or_default().to_string();
        let found: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("axe-core on {name} answered {text}: {e}"));
        let _ = std::fs::write(
            self.out_dir.join(format!("{name}.axe.json")),
            serde_json::to_string_pretty(&found).unwrap_or_default(),
        );
        assert!(
            found.as_array().is_some_and(|v| v.is_empty()),
            "axe-core finds WCAG 2.1 A/AA violations on {name}: {}",
            serde_json::to_string_pretty(&found).unwrap_or_default()
        );
    }

    /// Closes the app.
    pub async fn quit(mut self) {
        let _ = self.driver.clone().quit().await;
        let _ = self.tauri_driver.kill().await;
    }
}

async fn inner_text(el: &WebElement) -> String {
    el.prop("innerText")
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

async fn wait_for_status(url: &str) {
    let client = reqwest_like_get();
    for _ in 0..100 {
        if client(&format!("{url}/status")).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("tauri-driver did not answer at {url}/status");
}

/// A tiny readiness probe over a raw TCP connection (no HTTP client needed for one GET).
fn reqwest_like_get()
-> impl Fn(&str) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>> {
    |url: &str| {
        let addr = url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        Box::pin(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let Ok(mut s) = tokio::net::TcpStream::connect(&addr).await else {
                return false;
            };
            let req = format!("GET /status HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
            if s.write_all(req.as_bytes()).await.is_err() {
                return false;
            }
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf).await;
            buf.starts_with(b"HTTP/1.1 200")
        })
    }
}

/// The current TOTP code for a base32 secret; waits for a fresh step when `after_step` was used.
pub async fn totp_code(secret_b32: &str, after_step: Option<u64>) -> (String, u64) {
    let secret = totp_rs::Secret::Encoded(secret_b32.replace(' ', ""))
        .to_bytes()
        .expect("base32 secret");
    loop {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        let step = now / 30;
        if after_step.is_none_or(|s| step > s) {
            let totp = totp_rs::TOTP::new_unchecked(
                totp_rs::Algorithm::SHA1,
                6,
                1,
                30,
                secret.clone(),
                None,
                String::new(),
            );
            return (totp.generate(now), step);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Runs the `kassa` CLI (built beside the app) on a data folder and returns its JSON output.
pub fn kassa(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_kassa-desktop")).with_file_name("kassa");
    let out = std::process::Command::new(&bin)
        .arg("--data")
        .arg(data_dir)
        .arg("--json")
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {}: {e} (build it with cargo build -p kassa-cli)",
                bin.display()
            )
        });
    assert!(
        out.status.success(),
        "kassa {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("kassa prints JSON")
}
