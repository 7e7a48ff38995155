//! The README's examples, run in order on a fresh store as a new admin would type them.
//!
//! Every ```sh block right after the marker line below is read; each command (continuation
//! lines joined, comments dropped) runs with `/tmp/shop` and `/tmp/demo` pointing at fresh
//! folders and the working directory in a fresh folder. The test fails on the first command
//! that fails, and on the first answer that contradicts a JSON comment the README gives for
//! it (`# {"level":10,…}`: every field shown must match; `…` matches anything).
//!
//! Values the reader gets from an earlier answer are filled in the same way: `KASSA_OTP` is
//! the current authenticator code of the person signing in (their secret is in the setup or
//! accept answer), `KASSA_INVITE_TOKEN` the last one-time code, `KASSA_VOUCHER_CODE` the last
//! voucher issued. Those answers must therefore be asked for with `--json`.

mod common;
use common::*;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const MARKER: &str =
    "<!-- The commands below run in order in crates/kassa-cli/tests/readme.rs. -->";

/// One command of the README: its environment, its words, and the JSON it claims to print.
#[derive(Debug)]
struct Example {
    line: usize,
    text: String,
    env: Vec<(String, String)>,
    args: Vec<String>,
    expect: Option<Value>,
}

/// Splits a shell line into words: '...' and "..." quoting, backslash escapes outside quotes.
/// Returns the words and the comment after an unquoted `#`, if any.
fn words(line: &str) -> (Vec<String>, Option<String>) {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for (_, c) in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some((_, c)) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some((_, n)) = chars.next() {
                                cur.push(n);
                            }
                        }
                        _ => cur.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some((_, n)) = chars.next() {
                    cur.push(n);
                }
            }
            '#' if !in_word => return (out, Some(line[i + 1..].trim().to_string())),
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    (out, None)
}

/// A README comment such as `{"sku":"OAT-1","level":10,…}` as JSON; `…` becomes a wildcard.
fn claimed(comment: &str) -> Option<Value> {
    let c = comment.trim();
    if !c.starts_with('{') {
        return None;
    }
    // `"…"` stays as it is and matches anything; a bare `…` becomes that too.
    let json = c.replace(",…}", "}").replace(":…", ":\"…\"");
    Some(serde_json::from_str(&json).unwrap_or_else(|e| {
        panic!("the README's JSON comment {c} does not parse ({e}); fix the README")
    }))
}

fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(s), _) if s == "…" => true,
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|av| matches(v, av))),
        (e, a) => e == a,
    }
}

/// The examples of every marked block, in order.
fn examples(readme: &str) -> Vec<Example> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut out: Vec<Example> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != MARKER {
            i += 1;
            continue;
        }
        assert_eq!(
            lines.get(i + 1).map(|l| l.trim()),
            Some("```sh"),
            "line {}: the marker must precede a ```sh block",
            i + 1
        );
        i += 2;
        while i < lines.len() && lines[i].trim() != "```" {
            let start = i;
            let mut text = lines[i].to_string();
            while text.trim_end().ends_with('\\') && i + 1 < lines.len() {
                text = format!(
                    "{} {}",
                    text.trim_end().trim_end_matches('\\'),
                    lines[i + 1].trim()
                );
                i += 1;
            }
            i += 1;
            let (w, comment) = words(&text);
            if w.is_empty() {
                // A comment line right after a command may hold the JSON it prints.
                if let (Some(last), Some(c)) = (out.last_mut(), comment)
                    && let Some(v) = claimed(&c)
                {
                    assert!(
                        last.expect.is_none(),
                        "line {}: two JSON comments",
                        start + 1
                    );
                    last.expect = Some(v);
                }
                continue;
            }
            let mut env = Vec::new();
            let mut rest = w.into_iter().peekable();
            while let Some(word) = rest.next_if(|w| w.contains('=') && !w.starts_with('-')) {
                let (k, v) = word.split_once('=').unwrap();
                env.push((k.to_string(), v.to_string()));
            }
            let program = rest.next().unwrap_or_default();
            assert_eq!(
                program,
                "kassa",
                "README line {}: only kassa commands run here: {text}",
                start + 1
            );
            out.push(Example {
                line: start + 1,
                text: text.trim().to_string(),
                env,
                args: rest.collect(),
                expect: comment.as_deref().and_then(claimed),
            });
        }
    }
    out
}

/// What the run has learnt from earlier answers.
#[derive(Default)]
struct Known {
    secrets: HashMap<String, String>,
    signed_in: Option<String>,
    token: Option<String>,
    voucher: Option<String>,
}

impl Known {
    fn learn(&mut self, ex: &Example, out: &Value) {
        let flag = |name: &str| {
            ex.args
                .iter()
                .position(|a| a == name)
                .and_then(|i| ex.args.get(i + 1))
                .cloned()
        };
        let verb: Vec<&str> = ex
            .args
            .iter()
            .map(String::as_str)
            .filter(|a| !a.starts_with('-') && !a.starts_with('/'))
            .take(2)
            .collect();
        match verb.as_slice() {
            ["setup", ..] => {
                let email = flag("--admin").unwrap();
                let secret = out["admin"]["totp_secret"].as_str();
                self.secrets
                    .insert(email, secret.expect("run setup with --json").to_string());
            }
            ["login", ..] => self.signed_in = flag("--as"),
            ["logout", ..] => self.signed_in = None,
            ["staff", "accept"] => {
                let email = out["email"].as_str().expect("run staff accept with --json");
                let secret = out["totp_secret"].as_str().unwrap_or_default();
                self.secrets.insert(email.to_string(), secret.to_string());
            }
            ["staff", "invite" | "resend" | "reenrol"] => {
                self.token = out["token"].as_str().map(str::to_string);
            }
            ["voucher", "issue"] => {
                self.voucher = out["code"].as_str().map(str::to_string);
            }
            _ => {}
        }
    }

    /// The environment value the reader would type for `key`.
    fn fill(&self, ex: &Example, key: &str, written: &str) -> String {
        let person = ex
            .args
            .iter()
            .position(|a| a == "--as")
            .and_then(|i| ex.args.get(i + 1))
            .or(self.signed_in.as_ref());
        match key {
            "KASSA_OTP" => {
                let who = person.unwrap_or_else(|| panic!("line {}: whose code?", ex.line));
                let secret = self
                    .secrets
                    .get(&who.to_lowercase())
                    .unwrap_or_else(|| panic!("line {}: no secret known for {who}", ex.line));
                totp(secret)
            }
            "KASSA_INVITE_TOKEN" => self
                .token
                .clone()
                .unwrap_or_else(|| panic!("line {}: no code issued before", ex.line)),
            "KASSA_VOUCHER_CODE" => self
                .voucher
                .clone()
                .unwrap_or_else(|| panic!("line {}: no voucher issued before", ex.line)),
            _ => written.to_string(),
        }
    }
}

fn readme() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_readme_s_commands_run_in_order_on_a_fresh_store() {
    let examples = examples(&readme());
    assert!(
        examples.len() >= 50,
        "only {} examples found; is the marker still there?",
        examples.len()
    );
    let shop = tempfile::tempdir().unwrap();
    let demo = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    // The README's folders, fresh: /tmp/shop does not exist yet, as on a new machine.
    let shop_dir: PathBuf = shop.path().join("shop");
    let demo_dir: PathBuf = demo.path().join("demo");
    let mut known = Known::default();
    for ex in &examples {
        let args: Vec<String> = ex
            .args
            .iter()
            .map(|a| {
                if let Some(rest) = a.strip_prefix("/tmp/shop") {
                    format!("{}{rest}", shop_dir.display())
                } else if let Some(rest) = a.strip_prefix("/tmp/demo") {
                    format!("{}{rest}", demo_dir.display())
                } else {
                    a.clone()
                }
            })
            .collect();
        assert!(
            args.iter().any(|a| a == "--data"),
            "README line {}: every example names its --data folder: {}",
            ex.line,
            ex.text
        );
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kassa"));
        cmd.args(&args)
            .current_dir(work.path())
            .env("KASSA_DEVICE_KEY", KEY)
            .env("KASSA_STORE_KEY", STORE_KEY);
        for var in [
            "KASSA_DATA",
            "KASSA_PASSWORD",
            "KASSA_NEW_PASSWORD",
            "KASSA_OTP",
            "KASSA_BACKUP_CODE",
            "KASSA_PIN",
            "KASSA_INVITE_TOKEN",
            "KASSA_VOUCHER_CODE",
            "KASSA_APPROVER_EMAIL",
        ] {
            cmd.env_remove(var);
        }
        for (k, v) in &ex.env {
            cmd.env(k, known.fill(ex, k, v));
        }
        let o = cmd.output().expect("kassa runs");
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "README line {} failed ({}): {}\n{}{}",
            ex.line,
            o.status,
            ex.text,
            stdout,
            String::from_utf8_lossy(&o.stderr)
        );
        let json: Value = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        if let Some(expect) = &ex.expect {
            assert!(
                matches(expect, &json),
                "README line {} claims {expect} but printed {json}: {}",
                ex.line,
                ex.text
            );
        }
        known.learn(ex, &json);
    }
}

#[test]
fn the_example_reader_splits_words_comments_and_claims_as_a_shell_would() {
    let (w, c) =
        words(r#"KASSA_PASSWORD='a b' kassa --name "Oat \"milk\"" a\ b  # {"level":10,…}"#);
    assert_eq!(
        w,
        [
            "KASSA_PASSWORD=a b",
            "kassa",
            "--name",
            "Oat \"milk\"",
            "a b"
        ]
    );
    let claim = claimed(c.as_deref().unwrap()).unwrap();
    assert!(matches(
        &claim,
        &serde_json::json!({"level": 10, "sku": "X"})
    ));
    assert!(!matches(&claim, &serde_json::json!({"level": 11})));
    let claim = claimed(r#"{"order_id":"…","by_tender":{"cash":…},…}"#).unwrap();
    assert!(matches(
        &claim,
        &serde_json::json!({"order_id": "x", "by_tender": {"cash": 5}})
    ));
    assert!(!matches(&claim, &serde_json::json!({"order_id": "x"})));
    assert_eq!(
        words("kassa stock count --line A=1 # low").1.as_deref(),
        Some("low")
    );
}
