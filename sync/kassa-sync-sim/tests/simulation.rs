//! The simulation's fixed seeds, and every seed that once failed (`regressions.txt`), run
//! in the test command; thousands more run on demand with the `kassa-sim` binary.

use kassa_sync_sim::{Config, run};

/// Seeds run on every test run; `KASSA_SIM_SEEDS=FROM..TO` runs others instead.
fn seeds() -> Vec<u64> {
    if let Ok(range) = std::env::var("KASSA_SIM_SEEDS")
        && let Some((a, b)) = range.split_once("..")
        && let (Ok(a), Ok(b)) = (a.parse::<u64>(), b.parse::<u64>())
    {
        return (a..b).collect();
    }
    vec![1, 2, 3, 4, 5, 6]
}

fn check(seed: u64, cfg: &Config) {
    match run(seed, cfg) {
        Ok(out) => {
            let s = out.summary;
            assert!(s.sales > 0, "seed {seed} sold nothing: {s:?}");
            assert!(s.syncs > 0, "seed {seed} never synced: {s:?}");
        }
        Err(f) => panic!("{f}"),
    }
}

#[test]
fn a_store_of_six_devices_on_a_bad_network_ends_with_one_truth() {
    let cfg = Config::default();
    for seed in seeds() {
        check(seed, &cfg);
    }
}

#[test]
fn ten_devices_with_no_faults_end_with_one_truth() {
    check(
        11,
        &Config {
            devices: 10,
            steps: 200,
            faults: false,
        },
    );
}

#[test]
fn every_seed_that_once_failed_holds() {
    let kept = include_str!("regressions.txt");
    for line in kept.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let seed: u64 = line.parse().expect("a seed per line");
        check(seed, &Config::default());
    }
}

#[test]
fn a_seed_replays_identically() {
    let cfg = Config {
        devices: 4,
        steps: 120,
        faults: true,
    };
    let first = run(21, &cfg).unwrap_or_else(|f| panic!("{f}"));
    let again = run(21, &cfg).unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(first.trace, again.trace);
    let other = run(22, &cfg).unwrap_or_else(|f| panic!("{f}"));
    assert_ne!(first.trace, other.trace);
}
