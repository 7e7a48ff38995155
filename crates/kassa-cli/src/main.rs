//! `kassa`: the headless Kassa. Every command prints one JSON object with `--json`.

mod cli;
mod commands;
mod secrets;

use clap::Parser;
use cli::Cli;
use commands::run;
use kassa_app::ApiError;
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let wants_json = args.iter().any(|a| a == "--json");
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) || !wants_json
            {
                let _ = e.print();
                return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
            }
            let err = ApiError {
                code: "invalid_input".into(),
                message: usage_error_text(&e),
                permission: None,
            };
            print_error(&err, true);
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KASSA_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(&cli) {
        Ok(out) => {
            {
                let mut stdout = std::io::stdout().lock();
                let _ = if cli.json {
                    writeln!(stdout, "{}", out.json)
                } else {
                    writeln!(stdout, "{}", out.human.trim_end())
                };
            }
            match &out.failure {
                None => ExitCode::SUCCESS,
                Some(e) => {
                    print_error(e, cli.json);
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            print_error(&e, cli.json);
            ExitCode::FAILURE
        }
    }
}

fn print_error(e: &ApiError, json: bool) {
    let mut stderr = std::io::stderr().lock();
    let _ = if json {
        writeln!(
            stderr,
            "{}",
            json!({"error": {"code": e.code, "message": e.message}})
        )
    } else {
        writeln!(stderr, "kassa: {} [{}]", e.message, e.code)
    };
}

/// A usage error's whole text on one line: what is wrong, with every detail clap gives (the
/// missing arguments, the value it could not parse, a tip), without the usage and help lines.
fn usage_error_text(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let text = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:"))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let text = text.trim_start_matches("error:").trim();
    if text.is_empty() {
        e.kind().to_string()
    } else {
        text.to_string()
    }
}
