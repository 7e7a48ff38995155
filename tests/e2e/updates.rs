//! App updates from the store's server: a paired till finds a newer release, shows its notes,
//! refuses an artifact that does not match its signature, and accepts the same release once
//! the artifact on the server is the one that was signed. Nothing is installed: the test
//! stops at the verified download.

use crate::harness::{App, kassa};
use crate::sync::{Server, pairing_code};
use base64::Engine;
use std::io::Cursor;
use std::path::Path;

const VERSION: &str = "9.9.9";
const ARTIFACT: &str = "Kassa_9.9.9_amd64.deb";

/// Signs `bytes` as the Tauri CLI does: a minisign signature whose trusted comment names the
/// release's version, base64 encoded.
fn sign(keys: &minisign::KeyPair, bytes: &[u8]) -> String {
    let trusted = format!("timestamp:1796000000\tfile:{ARTIFACT}\tversion:{VERSION}");
    let signature = minisign::sign(
        Some(&keys.pk),
        &keys.sk,
        Cursor::new(bytes),
        Some(&trusted),
        Some("signature from the test key"),
    )
    .expect("signing");
    base64::engine::general_purpose::STANDARD.encode(signature.to_string())
}

fn publish(updates: &Path, artifact: &[u8], signature: &str) {
    let dir = updates.join(VERSION).join("linux-x86_64");
    std::fs::create_dir_all(&dir).expect("release folder");
    std::fs::write(dir.join(ARTIFACT), artifact).expect("artifact");
    std::fs::write(dir.join(format!("{ARTIFACT}.sig")), signature).expect("signature");
    std::fs::write(
        updates.join(VERSION).join("notes.md"),
        "Faster receipts.\nBookings for travel agents.\n",
    )
    .expect("notes");
}

#[tokio::test]
async fn a_tampered_update_is_refused_and_the_signed_one_is_accepted() {
    let keys = minisign::KeyPair::generate_unencrypted_keypair().expect("a test key");
    let pubkey = base64::engine::general_purpose::STANDARD
        .encode(keys.pk.to_box().expect("public key box").to_string());
    let artifact = b"the Kassa 9.9.9 package".to_vec();
    let signature = sign(&keys, &artifact);

    let server_dir = tempfile::tempdir().expect("server folder");
    let updates = server_dir.path().join("releases");
    let mut tampered = artifact.clone();
    tampered[4] ^= 0x20;
    publish(&updates, &tampered, &signature);
    let updates_arg = updates.to_string_lossy().to_string();
    let server = Server::start_with(
        "127.0.0.1:0",
        server_dir.path(),
        &["--updates-dir", &updates_arg],
    );
    let url = server.url();
    let code = pairing_code(server_dir.path(), None);

    let app = App::start_with("updates", |data| {
        kassa(data, &["demo"], &[]);
        std::fs::write(data.join("update-pubkey.test"), &pubkey).expect("test key");
    })
    .await;
    app.el("demo-logins").await;
    app.click("demo-use-admin").await;
    app.click("login-submit").await;
    app.el("main-frame").await;
    app.click("nav-admin").await;
    app.click("admin-tab-devices").await;
    app.fill("pair-url", &url).await;
    app.fill("pair-code", &code).await;
    app.click("pair-submit").await;
    app.wait_text("devices-paired-with", &url).await;

    // The release is found, with its notes; its artifact was changed after signing.
    app.click("user-menu").await;
    app.click("menu-updates").await;
    let found = app.el("update-found").await;
    assert_eq!(
        found.attr("data-version").await.unwrap().as_deref(),
        Some(VERSION)
    );
    app.wait_text("update-notes", "Bookings for travel agents")
        .await;
    app.screenshot("01-update-found").await;
    app.click("update-download").await;
    let refused = app.wait_text("update-error", "signature").await;
    assert!(!app.has("update-verified").await, "{refused}");
    assert!(!app.has("update-install").await);
    app.screenshot("02-tampered-refused").await;

    // The server gets the artifact that was signed: the same release now checks out.
    publish(&updates, &artifact, &signature);
    app.click("update-retry").await;
    app.el("update-found").await;
    app.click("update-download").await;
    app.el("update-verified").await;
    app.el("update-install").await;
    app.screenshot("03-verified").await;
    app.click("update-close").await;
    app.quit().await;
    drop(server);
}
