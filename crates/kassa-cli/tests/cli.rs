//! The `kassa` command as scripts use it: JSON out, typed errors, nothing changed on failure.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn kassa(dir: &Path, args: &[&str]) -> Run {
    kassa_env(dir, args, &[("KASSA_PASSWORD", PASSWORD)])
}

fn db_snapshot(dir: &Path) -> Vec<(String, i64)> {
    let names = tables(dir);
    let names_ref: Vec<&str> = names.iter().map(String::as_str).collect();
    let n = counts(dir, &names_ref);
    names.into_iter().zip(n).collect()
}

#[test]
fn setup_prints_the_store_device_and_admin_enrolment() {
    let dir = tempfile::tempdir().unwrap();
    let out = setup(dir.path());
    for field in ["store_id", "device_id"] {
        assert!(
            out[field].as_str().is_some_and(|s| s.len() == 36),
            "{field}: {out}"
        );
    }
    let secret = out["admin"]["totp_secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32, "160-bit base32 secret");
    let codes = out["admin"]["backup_codes"].as_array().unwrap();
    assert_eq!(codes.len(), 10);
    assert!(
        out["admin"].get("qr_svg").is_none(),
        "no SVG noise in the CLI's JSON"
    );
}

#[test]
fn a_second_setup_fails_clearly_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let before = db_snapshot(dir.path());
    let r = kassa(
        dir.path(),
        &[
            "--json",
            "setup",
            "--store",
            "Other",
            "--currency",
            "CHF",
            "--admin",
            "b@example.com",
        ],
    );
    assert!(!r.ok);
    assert_eq!(r.err["error"]["code"], "already_exists", "{}", r.err);
    assert!(
        r.err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Corner Shop")
    );
    assert_eq!(r.out, Value::String(String::new()), "nothing on stdout");
    assert_eq!(db_snapshot(dir.path()), before);
}

#[test]
fn bad_setup_input_is_a_typed_error_and_creates_no_store() {
    let dir = tempfile::tempdir().unwrap();
    for (args, code) in [
        (
            vec!["--currency", "EURO", "--admin", "a@example.com"],
            "invalid_input",
        ),
        (
            vec!["--currency", "EUR", "--admin", "not-an-email"],
            "invalid_input",
        ),
    ] {
        let mut all = vec!["setup", "--json", "--store", "Corner Shop"];
        all.extend(args);
        let r = kassa(dir.path(), &all);
        assert_eq!(r.err["error"]["code"], code, "{}", r.err);
    }
    let weak = kassa_env(
        dir.path(),
        &[
            "setup",
            "--json",
            "--store",
            "S",
            "--currency",
            "EUR",
            "--admin",
            "a@example.com",
        ],
        &[("KASSA_PASSWORD", "password1234")],
    );
    assert_eq!(weak.err["error"]["code"], "weak_password", "{}", weak.err);
    let status = kassa(dir.path(), &["status", "--json"]);
    assert_eq!(status.out["set_up"], false);
}

#[test]
fn unknown_flags_are_json_errors_with_json() {
    let dir = tempfile::tempdir().unwrap();
    let r = kassa(dir.path(), &["--json", "setup", "--shop", "x"]);
    assert_eq!(r.code, Some(2));
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
}

#[test]
fn audit_verify_names_the_entry_whose_byte_was_changed() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let r = kassa(dir.path(), &["audit", "verify", "--json"]);
    assert_eq!(r.out["ok"], true, "{}", r.out);
    assert!(r.out["entries"].as_u64().unwrap() >= 5);
    assert!(r.out["first_bad"].is_null());

    // Change one byte of one entry with the sqlite3 tool, as an intruder would.
    let db = dir.path().join("kassa.db");
    let victim: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT id FROM audit_log WHERE action = 'store.created'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let status = Command::new("sqlite3")
        .arg(&db)
        .arg(format!(
            // An intruder with the file drops the guard first.
            "DROP TRIGGER audit_log_immutable; UPDATE audit_log SET after = replace(after, 'Corner', 'CorneR') WHERE id = '{victim}';"
        ))
        .status()
        .expect("the sqlite3 tool is installed (scripts/deps.sh installs it)");
    assert!(status.success());

    let r = kassa(dir.path(), &["audit", "verify", "--json"]);
    assert_eq!(r.out["ok"], false, "{}", r.out);
    assert_eq!(r.out["first_bad"]["id"], victim.as_str());
    assert_eq!(r.out["first_bad"]["reason"], "altered");
}

#[test]
fn audit_verify_finds_a_deleted_entry() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let c = rusqlite::Connection::open(dir.path().join("kassa.db")).unwrap();
    // The audit log refuses deletes; an intruder with the file drops the guard first.
    c.execute_batch(
        "DROP TRIGGER audit_log_append_only; DELETE FROM audit_log WHERE device_seq = 2",
    )
    .unwrap();
    drop(c);
    let r = kassa(dir.path(), &["audit", "verify", "--json"]);
    assert_eq!(r.out["ok"], false);
    assert_eq!(r.out["first_bad"]["device_seq"], 3);
    assert_eq!(r.out["first_bad"]["reason"], "missing");
}

#[test]
fn login_opens_a_session_that_later_commands_act_under_and_a_code_works_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = setup(dir.path());
    let secret = out["admin"]["totp_secret"].as_str().unwrap().to_string();
    let code = totp_at(&secret, now());
    let login = |code: &str| {
        kassa_env(
            dir.path(),
            &["login", "--as", "A@example.com", "--json"],
            &[("KASSA_PASSWORD", PASSWORD), ("KASSA_OTP", code)],
        )
    };
    let r = login(&code);
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["role"], "admin");
    assert_eq!(r.out["user"]["email"], "a@example.com");

    let status = kassa(dir.path(), &["status", "--json"]);
    assert_eq!(
        status.out["session"]["user"]["email"], "a@example.com",
        "{}",
        status.out
    );

    let again = login(&code);
    assert_eq!(again.err["error"]["code"], "totp_reused", "{}", again.err);

    let r = kassa(dir.path(), &["logout", "--json"]);
    assert_eq!(r.out["ok"], true);
    let status = kassa(dir.path(), &["status", "--json"]);
    assert!(status.out["session"].is_null());
    let r = kassa(dir.path(), &["logout", "--json"]);
    assert_eq!(r.err["error"]["code"], "unauthenticated");
}

#[test]
fn a_wrong_password_is_invalid_credentials_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let out = setup(dir.path());
    let code = totp_at(out["admin"]["totp_secret"].as_str().unwrap(), now());
    let r = kassa_env(
        dir.path(),
        &["login", "--as", "a@example.com", "--json"],
        &[
            ("KASSA_PASSWORD", "correct horse battery stapler"),
            ("KASSA_OTP", &code),
        ],
    );
    assert_eq!(r.err["error"]["code"], "invalid_credentials");
    // Answered as an unknown email would be: no count of attempts left to probe with.
    assert_eq!(
        r.err["error"]["message"], "the email, password or code is wrong",
        "{}",
        r.err
    );
}

#[test]
fn a_backup_code_signs_in_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = setup(dir.path());
    let code = out["admin"]["backup_codes"][3]
        .as_str()
        .unwrap()
        .to_lowercase();
    let login = || {
        kassa_env(
            dir.path(),
            &["login", "--as", "a@example.com", "--json"],
            &[("KASSA_PASSWORD", PASSWORD), ("KASSA_BACKUP_CODE", &code)],
        )
    };
    let r = login();
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["backup_codes_left"], 9);
    let r = login();
    assert_eq!(r.err["error"]["code"], "invalid_credentials", "{}", r.err);
}

#[test]
fn a_database_from_a_newer_kassa_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let c = rusqlite::Connection::open(dir.path().join("kassa.db")).unwrap();
    c.pragma_update(None, "user_version", 9_999).unwrap();
    drop(c);
    let r = kassa(dir.path(), &["status", "--json"]);
    assert_eq!(r.err["error"]["code"], "schema_too_new", "{}", r.err);
}

#[test]
fn demo_prints_staff_of_every_role_with_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let r = kassa(dir.path(), &["demo", "--json"]);
    assert!(r.ok, "{}", r.err);
    let staff = r.out["staff"].as_array().unwrap();
    let roles: Vec<&str> = staff.iter().map(|s| s["role"].as_str().unwrap()).collect();
    for role in ["admin", "manager", "cashier", "agent"] {
        assert!(roles.contains(&role), "{roles:?}");
    }
    let cashier = staff.iter().find(|s| s["role"] == "cashier").unwrap();
    let code = totp_at(cashier["totp_secret"].as_str().unwrap(), now());
    let r = kassa_env(
        dir.path(),
        &[
            "login",
            "--as",
            cashier["email"].as_str().unwrap(),
            "--json",
        ],
        &[
            ("KASSA_PASSWORD", cashier["password"].as_str().unwrap()),
            ("KASSA_OTP", &code),
        ],
    );
    assert_eq!(r.out["role"], "cashier", "{}", r.err);
}
