//! The cost of one offline sign-in on this machine: argon2id verify of the password, TOTP
//! check, and the whole `sign_in` (both, plus the durable session write and audit entry).
//!
//! `cargo bench -p kassa-store --bench login` prints p50 and p99 of each.

use chrono::{Duration, TimeZone, Utc};
use kassa_store::foundation::device::{SetupParams, setup};
use kassa_store::identity::auth::{SecondFactor, sign_in};
use kassa_store::identity::session::Surface;
use kassa_store::{FixedClock, KeySource, Store, foundation::secret};
use std::sync::Arc;
use std::time::{Duration as Elapsed, Instant};

const PASSWORD: &str = "correct horse battery staple";
const ROUNDS: usize = 200;

fn percentile(sorted: &[Elapsed], p: f64) -> Elapsed {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Elapsed>) {
    samples.sort();
    println!(
        "{name:<34} n={:<4} p50 {:>10.4} ms   p99 {:>10.4} ms",
        samples.len(),
        percentile(&samples, 0.50).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
    );
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap(),
    ));
    let mut store = Store::open(
        dir.path(),
        clock.clone(),
        KeySource::ExplicitKeys {
            device: [1; 32],
            store: [77; 32],
        },
    )
    .expect("store");
    let out = setup(
        &mut store,
        SetupParams {
            store_name: "Bench Shop".into(),
            store_code: None,
            currency: "EUR".into(),
            device_name: None,
            admin_email: "bench@example.com".into(),
            admin_name: None,
            password: PASSWORD.into(),
            demo: false,
        },
    )
    .expect("setup");
    let phc: String = store
        .conn()
        .query_row("SELECT password_hash FROM staff", [], |r| r.get(0))
        .expect("hash");
    println!(
        "stored hash parameters: {}",
        phc.split('$').nth(3).unwrap_or("?")
    );

    let argon = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            assert!(secret::verify_secret(&phc, PASSWORD).expect("verify"));
            t.elapsed()
        })
        .collect();
    report("argon2id verify (password)", argon);

    let totp = (0..ROUNDS as u64 * 50)
        .map(|i| {
            let now = 1_800_000_000 + i * 30;
            let code = kassa_domain::totp::code_at(&out.totp_secret, now).expect("code");
            let t = Instant::now();
            kassa_domain::totp::verify(&out.totp_secret, &code, now, None).expect("totp");
            t.elapsed()
        })
        .collect();
    report("TOTP verify (±1 step)", totp);

    let login = (0..ROUNDS)
        .map(|_| {
            // Each sign-in needs a code of a step not used before.
            clock.advance(Duration::seconds(30));
            let unix = u64::try_from(store.clock().now().timestamp()).expect("time");
            let code = kassa_domain::totp::code_at(&out.totp_secret, unix).expect("code");
            let t = Instant::now();
            sign_in(
                &mut store,
                "bench@example.com",
                PASSWORD,
                SecondFactor::Totp(&code),
                Surface::Desktop,
            )
            .expect("sign in");
            t.elapsed()
        })
        .collect();
    report("sign_in (argon2 + TOTP + write)", login);

    // A stranger must not tell a known email from an unknown one by the time the answer takes.
    let (mut wrong, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..ROUNDS {
        let t = Instant::now();
        sign_in(
            &mut store,
            "bench@example.com",
            "not the password at all",
            SecondFactor::Totp("000000"),
            Surface::Desktop,
        )
        .expect_err("wrong password");
        wrong.push(t.elapsed());
        let t = Instant::now();
        sign_in(
            &mut store,
            "nobody@example.com",
            "not the password at all",
            SecondFactor::Totp("000000"),
            Surface::Desktop,
        )
        .expect_err("unknown email");
        unknown.push(t.elapsed());
        if i % 8 == 7 {
            // A right sign-in now and then keeps the account from locking.
            clock.advance(Duration::seconds(30));
            let unix = u64::try_from(store.clock().now().timestamp()).expect("time");
            let code = kassa_domain::totp::code_at(&out.totp_secret, unix).expect("code");
            sign_in(
                &mut store,
                "bench@example.com",
                PASSWORD,
                SecondFactor::Totp(&code),
                Surface::Desktop,
            )
            .expect("sign in");
        }
    }
    report("sign_in, wrong password of a known email", wrong);
    report("sign_in, unknown email", unknown);
}
