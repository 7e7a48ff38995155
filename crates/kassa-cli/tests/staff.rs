//! `kassa staff` and `kassa account` as scripts use them: invite and accept, a manager's
//! approval from the environment, lock and unlock, typed errors that change nothing.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

/// `kassa --json ARGS` with `env`.
fn kassa(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    kassa_env(dir, &all, env)
}

/// The code of `secret` for the step after `used` (waits for it if needed); returns it and its step.
fn fresh_code(secret: &str, used: Option<u64>) -> (String, u64) {
    loop {
        let now = now();
        let step = now / 30;
        if used.is_none_or(|u| step > u) {
            let code = totp_at(secret, now);
            return (code, step);
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

fn login(dir: &Path, email: &str, password: &str, secret: &str) -> Run {
    let (code, _) = fresh_code(secret, None);
    kassa(
        dir,
        &["login", "--as", email],
        &[("KASSA_PASSWORD", password), ("KASSA_OTP", &code)],
    )
}

fn demo(dir: &Path) -> Vec<Value> {
    let r = kassa(dir, &["demo"], &[]);
    assert!(r.ok, "{}", r.err);
    r.out["staff"].as_array().unwrap().clone()
}

fn person<'a>(staff: &'a [Value], role: &str) -> &'a Value {
    staff.iter().find(|s| s["role"] == role).unwrap()
}

#[test]
fn an_admin_invites_and_the_person_accepts_with_a_password_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let staff = demo(dir.path());
    let admin = person(&staff, "admin");
    let r = login(
        dir.path(),
        admin["email"].as_str().unwrap(),
        admin["password"].as_str().unwrap(),
        admin["totp_secret"].as_str().unwrap(),
    );
    assert!(r.ok, "{}", r.err);

    let inv = kassa(
        dir.path(),
        &[
            "staff",
            "invite",
            "--email",
            "nia@example.com",
            "--role",
            "cashier",
        ],
        &[],
    );
    assert!(inv.ok, "{}", inv.err);
    let token = inv.out["token"].as_str().unwrap().to_string();
    assert!(inv.out["expires_at"].is_string());

    // A weak password is refused with its reason and the code still works afterwards.
    let weak = kassa(
        dir.path(),
        &["staff", "accept"],
        &[
            ("KASSA_PASSWORD", "ichliebedich"),
            ("KASSA_INVITE_TOKEN", &token),
        ],
    );
    assert_eq!(weak.err["error"]["code"], "weak_password", "{}", weak.err);
    assert!(weak.out.as_str() == Some(""), "nothing on stdout");

    let acc = kassa(
        dir.path(),
        &["staff", "accept"],
        &[
            ("KASSA_PASSWORD", "violet kettles hum at dawn"),
            ("KASSA_INVITE_TOKEN", &token.to_lowercase()),
        ],
    );
    assert!(acc.ok, "{}", acc.err);
    let secret = acc.out["totp_secret"].as_str().unwrap().to_string();
    assert_eq!(acc.out["backup_codes"].as_array().unwrap().len(), 10);
    assert!(acc.out.get("qr_svg").is_none());

    let again = kassa(
        dir.path(),
        &["staff", "accept"],
        &[
            ("KASSA_PASSWORD", "violet kettles hum at dawn"),
            ("KASSA_INVITE_TOKEN", &token),
        ],
    );
    assert_eq!(
        again.err["error"]["code"], "invalid_credentials",
        "{}",
        again.err
    );

    let r = login(
        dir.path(),
        "nia@example.com",
        "violet kettles hum at dawn",
        &secret,
    );
    assert_eq!(r.out["role"], "cashier", "{}", r.err);
    let list = kassa(dir.path(), &["staff", "list"], &[]);
    assert_eq!(
        list.err["error"]["code"], "forbidden",
        "a cashier may not list staff"
    );
}

#[test]
fn a_cashier_unlocks_a_colleague_with_a_managers_approval_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let staff = demo(dir.path());
    let agent = person(&staff, "agent");
    let cashier = person(&staff, "cashier");
    let manager = person(&staff, "manager");
    for _ in 0..10 {
        kassa(
            dir.path(),
            &["login", "--as", agent["email"].as_str().unwrap()],
            &[
                ("KASSA_PASSWORD", "wrong wrong wrong wrong"),
                ("KASSA_OTP", "000000"),
            ],
        );
    }
    let locked = login(
        dir.path(),
        agent["email"].as_str().unwrap(),
        agent["password"].as_str().unwrap(),
        agent["totp_secret"].as_str().unwrap(),
    );
    assert_eq!(
        locked.err["error"]["code"], "account_locked",
        "{}",
        locked.err
    );

    assert!(
        login(
            dir.path(),
            cashier["email"].as_str().unwrap(),
            cashier["password"].as_str().unwrap(),
            cashier["totp_secret"].as_str().unwrap()
        )
        .ok
    );
    let alone = kassa(
        dir.path(),
        &[
            "staff",
            "unlock",
            "--email",
            agent["email"].as_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(alone.err["error"]["code"], "forbidden", "{}", alone.err);

    let (code, _) = fresh_code(manager["totp_secret"].as_str().unwrap(), None);
    let r = kassa(
        dir.path(),
        &[
            "staff",
            "unlock",
            "--email",
            agent["email"].as_str().unwrap(),
        ],
        &[
            ("KASSA_APPROVER_EMAIL", manager["email"].as_str().unwrap()),
            (
                "KASSA_APPROVER_PASSWORD",
                manager["password"].as_str().unwrap(),
            ),
            ("KASSA_APPROVER_OTP", &code),
        ],
    );
    assert!(r.ok, "{}", r.err);
    assert!(r.out["locked_until"].is_null());

    // The audit trail names both people on the one entry.
    let admin = person(&staff, "admin");
    assert!(
        login(
            dir.path(),
            admin["email"].as_str().unwrap(),
            admin["password"].as_str().unwrap(),
            admin["totp_secret"].as_str().unwrap()
        )
        .ok
    );
    let audit = kassa(
        dir.path(),
        &["audit", "list", "--action", "auth.account_unlocked"],
        &[],
    );
    let entries = audit.out["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{}", audit.out);
    assert_eq!(entries[0]["actor_email"], cashier["email"]);
    assert_eq!(entries[0]["approver_email"], manager["email"]);
}

#[test]
fn the_pin_unlocks_a_locked_cli_session() {
    let dir = tempfile::tempdir().unwrap();
    let staff = demo(dir.path());
    let cashier = person(&staff, "cashier");
    let password = cashier["password"].as_str().unwrap();
    assert!(
        login(
            dir.path(),
            cashier["email"].as_str().unwrap(),
            password,
            cashier["totp_secret"].as_str().unwrap()
        )
        .ok
    );
    let pin = kassa(
        dir.path(),
        &["account", "pin"],
        &[("KASSA_PASSWORD", password), ("KASSA_PIN", "4711")],
    );
    assert!(pin.ok, "{}", pin.err);
    assert!(kassa(dir.path(), &["lock"], &[]).ok);
    let status = kassa(dir.path(), &["status"], &[]);
    assert_eq!(status.out["session"]["locked"], true, "{}", status.out);
    let wrong = kassa(dir.path(), &["unlock"], &[("KASSA_PIN", "0815")]);
    assert_eq!(wrong.err["error"]["code"], "invalid_credentials");
    let right = kassa(dir.path(), &["unlock"], &[("KASSA_PIN", "4711")]);
    assert!(right.ok, "{}", right.err);
    assert_eq!(right.out["role"], "cashier");
}

#[test]
fn a_one_time_code_in_the_arguments_is_refused_and_names_the_variable_to_use() {
    let dir = tempfile::tempdir().unwrap();
    let staff = demo(dir.path());
    let admin = person(&staff, "admin");
    let r = login(
        dir.path(),
        admin["email"].as_str().unwrap(),
        admin["password"].as_str().unwrap(),
        admin["totp_secret"].as_str().unwrap(),
    );
    assert!(r.ok, "{}", r.err);
    let inv = kassa(
        dir.path(),
        &[
            "staff",
            "invite",
            "--email",
            "ola@example.com",
            "--role",
            "agent",
        ],
        &[],
    );
    let token = inv.out["token"].as_str().unwrap().to_string();
    let before = counts(dir.path(), &["staff", "audit_log", "outbox"]);

    // Other users of the machine can read a process's arguments: the code never goes there.
    let r = kassa(
        dir.path(),
        &["staff", "accept", "--token", &token],
        &[("KASSA_PASSWORD", "violet kettles hum at dawn")],
    );
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    let message = r.err["error"]["message"].as_str().unwrap();
    assert!(message.contains("KASSA_INVITE_TOKEN"), "{message}");
    assert!(
        !message.contains(&token),
        "the code is not echoed: {message}"
    );
    assert_eq!(
        counts(dir.path(), &["staff", "audit_log", "outbox"]),
        before
    );

    // Without a terminal and without the variable, the answer says which variable to set.
    let r = kassa(
        dir.path(),
        &["staff", "accept"],
        &[("KASSA_PASSWORD", "violet kettles hum at dawn")],
    );
    assert_eq!(r.err["error"]["code"], "invalid_input", "{}", r.err);
    assert!(
        r.err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("KASSA_INVITE_TOKEN"),
        "{}",
        r.err
    );

    // From the environment it works, and the invitation can be named by its email too.
    let resent = kassa(
        dir.path(),
        &["staff", "resend", "--email", "ola@example.com"],
        &[],
    );
    assert!(resent.ok, "{}", resent.err);
    let fresh = resent.out["token"].as_str().unwrap().to_string();
    let r = kassa(
        dir.path(),
        &["staff", "accept"],
        &[
            ("KASSA_PASSWORD", "violet kettles hum at dawn"),
            ("KASSA_INVITE_TOKEN", &fresh),
        ],
    );
    assert!(r.ok, "{}", r.err);
    assert_eq!(r.out["email"], "ola@example.com", "{}", r.out);
}
