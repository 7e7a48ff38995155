//! The device key in the real OS keyring (Secret Service over D-Bus).
//!
//! Runs inside the D-Bus session with an unlocked gnome-keyring that scripts/test provides.

use std::process::Command;

#[test]
fn the_device_key_lives_in_the_os_keyring_and_no_secret_is_in_the_file() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "this test needs a D-Bus session with a keyring; run it through scripts/test"
    );
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_kassa"))
        .arg("--data")
        .arg(dir.path())
        .args([
            "setup",
            "--store",
            "Keyring Shop",
            "--currency",
            "EUR",
            "--admin",
            "k@example.com",
            "--json",
        ])
        .env("KASSA_PASSWORD", "correct horse battery staple")
        .env_remove("KASSA_DEVICE_KEY")
        .env_remove("KASSA_STORE_KEY")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let device_id = out["device_id"].as_str().unwrap();

    let found = Command::new("secret-tool")
        .args([
            "search",
            "--all",
            "service",
            "app.kassa.desktop",
            "username",
            &format!("device-key:{device_id}"),
        ])
        .output()
        .expect("secret-tool (libsecret-tools) is installed");
    let listing = String::from_utf8_lossy(&found.stdout).to_string()
        + &String::from_utf8_lossy(&found.stderr);
    assert!(
        listing.contains(&format!("device-key:{device_id}")),
        "the keyring holds the device key: {listing}"
    );

    // The store key, which seals the staff secrets that sync, has its own entry per store.
    let store_id = out["store_id"].as_str().unwrap();
    let found = Command::new("secret-tool")
        .args([
            "search",
            "--all",
            "service",
            "app.kassa.desktop",
            "username",
            &format!("store-key:{store_id}"),
        ])
        .output()
        .expect("secret-tool runs");
    let listing = String::from_utf8_lossy(&found.stdout).to_string()
        + &String::from_utf8_lossy(&found.stderr);
    assert!(
        listing.contains(&format!("store-key:{store_id}")),
        "the keyring holds the store key: {listing}"
    );

    // Neither the TOTP secret (raw or base32) nor a backup code is in the database files.
    let secret_b32 = out["admin"]["totp_secret"].as_str().unwrap();
    let secret_raw = totp_rs::Secret::Encoded(secret_b32.to_string())
        .to_bytes()
        .unwrap();
    let codes: Vec<String> = out["admin"]["backup_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(
        !contains(secret_b32.as_bytes()),
        "base32 TOTP secret found in the data folder"
    );
    assert!(
        !contains(&secret_raw),
        "raw TOTP secret found in the data folder"
    );
    for c in &codes {
        assert!(
            !contains(c.as_bytes()) && !contains(c.replace('-', "").as_bytes()),
            "backup code {c} found"
        );
    }

    // The key is read back from the keyring by a later process: sign-in works.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let code = totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        secret_raw,
        None,
        String::new(),
    )
    .generate(now);
    let kassa = |args: &[&str], env: &[(&str, &str)]| {
        let o = Command::new(env!("CARGO_BIN_EXE_kassa"))
            .arg("--data")
            .arg(dir.path())
            .arg("--json")
            .args(args)
            .env_remove("KASSA_DEVICE_KEY")
            .env_remove("KASSA_STORE_KEY")
            .env_remove("KASSA_PASSWORD")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "kassa {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    kassa(
        &["login", "--as", "k@example.com"],
        &[
            ("KASSA_PASSWORD", "correct horse battery staple"),
            ("KASSA_OTP", &code),
        ],
    );

    // An invited cashier accepts and sets a PIN: their secret, codes, invitation code and
    // PIN are not in the data folder either.
    let invited = kassa(
        &[
            "staff",
            "invite",
            "--email",
            "c@example.com",
            "--role",
            "cashier",
        ],
        &[],
    );
    let token = invited["token"].as_str().unwrap().to_string();
    let accepted = kassa(
        &["staff", "accept"],
        &[
            ("KASSA_PASSWORD", "violet kettles hum at dawn"),
            ("KASSA_INVITE_TOKEN", &token),
        ],
    );
    let invitee_b32 = accepted["totp_secret"].as_str().unwrap().to_string();
    let invitee_raw = totp_rs::Secret::Encoded(invitee_b32.clone())
        .to_bytes()
        .unwrap();
    let invitee_code = totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        invitee_raw.clone(),
        None,
        String::new(),
    )
    .generate(now);
    kassa(
        &["login", "--as", "c@example.com"],
        &[
            ("KASSA_PASSWORD", "violet kettles hum at dawn"),
            ("KASSA_OTP", &invitee_code),
        ],
    );
    const PIN: &str = "90817263";
    kassa(
        &["account", "pin"],
        &[
            ("KASSA_PASSWORD", "violet kettles hum at dawn"),
            ("KASSA_PIN", PIN),
        ],
    );
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(
        !contains(invitee_b32.as_bytes()),
        "invitee's base32 secret found"
    );
    assert!(!contains(&invitee_raw), "invitee's raw secret found");
    for c in accepted["backup_codes"].as_array().unwrap() {
        let c = c.as_str().unwrap();
        assert!(
            !contains(c.as_bytes()) && !contains(c.replace('-', "").as_bytes()),
            "invitee's backup code {c} found"
        );
    }
    assert!(
        !contains(token.as_bytes()) && !contains(token.replace('-', "").as_bytes()),
        "the invitation code is stored only as a hash"
    );
    assert!(
        !contains(PIN.as_bytes()),
        "the PIN is stored only as a hash"
    );
    assert!(
        !contains(b"violet kettles hum at dawn"),
        "no password in plain text"
    );
}

#[test]
fn without_a_keyring_the_cli_says_so_and_how_to_proceed() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_kassa"))
        .arg("--data")
        .arg(dir.path())
        .args([
            "setup",
            "--store",
            "S",
            "--currency",
            "EUR",
            "--admin",
            "k@example.com",
            "--json",
        ])
        .env("KASSA_PASSWORD", "correct horse battery staple")
        .env_remove("KASSA_DEVICE_KEY")
        .env_remove("KASSA_STORE_KEY")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err: serde_json::Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(err["error"]["code"], "keyring_unavailable", "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("KASSA_DEVICE_KEY")
    );
}
