//! What the CLI's integration tests share: running `kassa` on a data folder and a signed-in store.
#![allow(dead_code)]

use chrono::{Duration, Utc};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

pub const PASSWORD: &str = "correct horse battery staple";
/// The documented headless fallback for the device key, so these tests need no keyring.
pub const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/// The explicit store key the CLI tests pass in `KASSA_STORE_KEY`.
pub const STORE_KEY: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

pub struct Run {
    pub ok: bool,
    /// The exit code.
    pub code: Option<i32>,
    pub out: Value,
    pub err: Value,
    pub stdout: String,
}

pub fn kassa_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let o = Command::new(env!("CARGO_BIN_EXE_kassa"))
        .arg("--data")
        .arg(dir)
        .args(args)
        .env("KASSA_DEVICE_KEY", KEY)
        .env("KASSA_STORE_KEY", STORE_KEY)
        .env_remove("KASSA_PASSWORD")
        .env_remove("KASSA_OTP")
        .envs(env.iter().copied())
        .output()
        .expect("kassa runs");
    let parse = |b: &[u8]| {
        serde_json::from_slice(b).unwrap_or(Value::String(String::from_utf8_lossy(b).into()))
    };
    Run {
        ok: o.status.success(),
        code: o.status.code(),
        out: parse(&o.stdout),
        err: parse(&o.stderr),
        stdout: String::from_utf8_lossy(&o.stdout).into(),
    }
}

pub fn kassa(dir: &Path, args: &[&str]) -> Run {
    kassa_env(dir, args, &[])
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The TOTP code of a base32 secret at `unix` seconds.
pub fn totp_at(secret: &str, unix: u64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_string())
        .to_bytes()
        .unwrap();
    totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        None,
        String::new(),
    )
    .generate(unix)
}

/// The current TOTP code of a base32 secret.
pub fn totp(secret: &str) -> String {
    totp_at(secret, now())
}

/// `kassa setup` of Corner Shop (EUR) with admin a@example.com; its JSON answer.
pub fn setup(dir: &Path) -> Value {
    let r = kassa_env(
        dir,
        &[
            "setup",
            "--store",
            "Corner Shop",
            "--currency",
            "EUR",
            "--admin",
            "a@example.com",
            "--json",
        ],
        &[("KASSA_PASSWORD", PASSWORD)],
    );
    assert!(r.ok, "setup failed: {}", r.err);
    r.out
}

/// A store with its admin signed in.
pub fn signed_in_store(dir: &Path) {
    let out = setup(dir);
    let code = totp(out["admin"]["totp_secret"].as_str().unwrap());
    let r = kassa_env(
        dir,
        &["login", "--as", "a@example.com", "--json"],
        &[("KASSA_PASSWORD", PASSWORD), ("KASSA_OTP", &code)],
    );
    assert!(r.ok, "{}", r.err);
}

/// The names of the database's own tables.
pub fn tables(dir: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open(dir.join("kassa.db")).unwrap();
    c.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .unwrap()
    .query_map([], |r| r.get(0))
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// The number of rows in each of `tables`.
pub fn counts(dir: &Path, tables: &[&str]) -> Vec<i64> {
    let c = rusqlite::Connection::open(dir.join("kassa.db")).unwrap();
    tables
        .iter()
        .map(|t| {
            c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap()
        })
        .collect()
}

/// A running `kassa server`, killed when dropped.
pub struct Server {
    pub child: Child,
    _stdout: BufReader<ChildStdout>,
    pub addr: String,
}

impl Server {
    /// Starts `kassa server --listen ADDR --database URL` and waits for its
    /// `{"listening":"ADDR"}` line.
    pub fn start(listen: &str, database: &str, data: &Path) -> Server {
        Server::start_env(listen, database, data, &[])
    }

    /// [`Server::start`] with more environment (e.g. the card provider's key and address).
    pub fn start_env(listen: &str, database: &str, data: &Path, env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kassa"))
            .arg("--data")
            .arg(data)
            .args(["server", "--listen", listen, "--database", database])
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("kassa server starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("the server's stdout"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("the server's first line");
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|_| {
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

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn ok(r: Run) -> Value {
    assert!(r.ok, "{} {}", r.err, r.stdout);
    r.out
}

pub fn pairing_code(data: &Path, database: &str, store: Option<&str>) -> String {
    let mut args = vec!["server", "pairing-code", "--database", database, "--json"];
    if let Some(id) = store {
        args.extend(["--store", id]);
    }
    let out = ok(kassa(data, &args));
    assert_eq!(out["store_id"].as_str(), store, "{out}");
    assert!(out["expires_at"].is_string(), "{out}");
    out["code"].as_str().unwrap().to_string()
}

/// A till selling oat milk (`OAT-1` at 2.49, 10 in stock), paired with `kassa server` whose
/// card provider is localstripe behind its stand-in.
pub struct CardTill {
    pub stripe: kassa_localstripe::StripeStandIn,
    pub server_data: tempfile::TempDir,
    pub database: String,
    /// Where the server listens, kept to start it again at the same address.
    pub addr: String,
    pub device: tempfile::TempDir,
}

impl CardTill {
    /// The provider, the server and the paired till; the server is returned to be stopped.
    pub fn start() -> (CardTill, Server) {
        let stripe = kassa_localstripe::StripeStandIn::start();
        let server_data = tempfile::tempdir().unwrap();
        let database = format!("sqlite:{}", server_data.path().join("server.db").display());
        let device = tempfile::tempdir().unwrap();
        let mut till = CardTill {
            stripe,
            server_data,
            database,
            addr: "127.0.0.1:0".into(),
            device,
        };
        let server = till.restart();
        till.addr = server.addr.clone();
        let d = till.device.path();
        signed_in_store(d);
        ok(kassa(
            d,
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
        let code = pairing_code(till.server_data.path(), &till.database, None);
        ok(kassa(
            d,
            &["pair", "--server", &server.url(), "--code", &code, "--json"],
        ));
        (till, server)
    }

    /// The server's card provider settings.
    pub fn env(&self) -> [(&str, &str); 2] {
        [
            ("KASSA_STRIPE_SECRET_KEY", kassa_localstripe::SECRET_KEY),
            ("KASSA_STRIPE_API_BASE", self.stripe.base_url()),
        ]
    }

    /// Starts the server (again) at its address.
    pub fn restart(&self) -> Server {
        Server::start_env(
            &self.addr,
            &self.database,
            self.server_data.path(),
            &self.env(),
        )
    }

    pub fn dir(&self) -> &Path {
        self.device.path()
    }
}

/// The trip GARDA (1,000.00 a seat, 30 % deposit, fees from 60 days out) and a departure of
/// `seats` seats leaving in `days` days; the departure's id.
pub fn garda_departure(d: &Path, seats: i64, days: i64) -> String {
    ok(kassa(
        d,
        &[
            "trip",
            "add",
            "--code",
            "GARDA",
            "--name",
            "Lake Garda by coach",
            "--adult",
            "100000",
            "--deposit",
            "30%",
            "--cancellation",
            "60:0,30:25%,10:50%,0:100%",
            "--json",
        ],
    ));
    let departs = (Utc::now() + Duration::days(days)).to_rfc3339();
    let dep = ok(kassa(
        d,
        &[
            "departure",
            "add",
            "--trip",
            "GARDA",
            "--departs",
            &departs,
            "--time-zone",
            "Europe/Berlin",
            "--seats",
            &seats.to_string(),
            "--json",
        ],
    ));
    dep["id"].as_str().unwrap().to_string()
}

/// The trip GARDA (1,000.00 a seat, 30 % deposit) with a departure in 90 days, two seats
/// booked with the deposit paid in cash, and the product OAT-1 (2.49, 5 in stock).
pub fn garda_booked_and_oat_milk(d: &Path) {
    let dep = garda_departure(d, 10, 90);
    ok(kassa(
        d,
        &[
            "book",
            "--departure",
            &dep,
            "--seats",
            "2",
            "--traveller",
            "Grace Hopper",
            "--traveller",
            "Ada Lovelace",
            "--pay",
            "cash=60000",
            "--json",
        ],
    ));
    ok(kassa(
        d,
        &[
            "product", "add", "--sku", "OAT-1", "--name", "Oat milk", "--price", "249", "--stock",
            "5", "--json",
        ],
    ));
}
