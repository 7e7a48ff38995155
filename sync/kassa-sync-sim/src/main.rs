//! Runs the simulation for many seeds: `kassa-sim --seeds 1..2000`, or one seed again with
//! `kassa-sim --seed N` (printing its trace). Options: `--devices N`, `--steps N`,
//! `--no-faults`. Exits 1 when a seed breaks a rule, after printing how to replay it.

use kassa_sync_sim::{Config, run};
use std::process::ExitCode;

fn parse_range(text: &str) -> Option<(u64, u64)> {
    let (a, b) = text.split_once("..")?;
    let (a, b) = (a.parse().ok()?, b.parse().ok()?);
    (a < b).then_some((a, b))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut cfg = Config::default();
    let mut seeds = (1u64, 101u64);
    let mut one: Option<u64> = None;
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        let ok = match args[i].as_str() {
            "--seeds" => parse_range(&value).map(|r| seeds = r).is_some(),
            "--seed" => value.parse().map(|s| one = Some(s)).is_ok(),
            "--devices" => value
                .parse()
                .ok()
                .filter(|n| (2..=32).contains(n))
                .map(|n| cfg.devices = n)
                .is_some(),
            "--steps" => value.parse().map(|n| cfg.steps = n).is_ok(),
            "--no-faults" => {
                cfg.faults = false;
                i -= 1;
                true
            }
            _ => false,
        };
        if !ok {
            eprintln!(
                "usage: kassa-sim [--seeds FROM..TO | --seed N] [--devices 2..32] [--steps N] [--no-faults]"
            );
            return ExitCode::from(2);
        }
        i += 2;
    }
    if let Some(seed) = one {
        return match run(seed, &cfg) {
            Ok(out) => {
                for line in &out.trace {
                    println!("{line}");
                }
                println!("{:#?}", out.summary);
                ExitCode::SUCCESS
            }
            Err(f) => {
                for line in &f.trace {
                    println!("{line}");
                }
                eprintln!("{f}");
                ExitCode::FAILURE
            }
        };
    }
    let started = std::time::Instant::now();
    let mut failed = Vec::new();
    for seed in seeds.0..seeds.1 {
        match run(seed, &cfg) {
            Ok(out) => println!(
                "seed {seed}: ok ({} sales, {} refunds, {} voids, {} bookings, {} cancelled, {} allotments, {} syncs of which {} failed, {} conflicts, {} faults)",
                out.summary.sales,
                out.summary.refunds,
                out.summary.voids,
                out.summary.bookings,
                out.summary.cancellations,
                out.summary.allotments,
                out.summary.syncs,
                out.summary.failed_syncs,
                out.summary.conflicts,
                out.summary.net.dropped_requests
                    + out.summary.net.dropped_responses
                    + out.summary.net.duplicated
                    + out.summary.net.delayed
                    + out.summary.net.truncated
            ),
            Err(f) => {
                eprintln!("{f}");
                failed.push(seed);
            }
        }
    }
    println!(
        "{} seeds in {:.1} s, {} failed {:?}",
        seeds.1 - seeds.0,
        started.elapsed().as_secs_f64(),
        failed.len(),
        failed
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
