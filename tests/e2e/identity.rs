//! Staff identity in the real app: an admin invites a cashier, the cashier accepts and enrols
//! an authenticator, signs in with password and code, sets a PIN, locks the till, unlocks it
//! with the PIN and signs out.

use crate::harness::{App, kassa, totp_code};
use std::time::Duration;

const PASSWORD: &str = "violet kettles hum at dawn";

async fn wait_gone(app: &App, testid: &str) {
    for _ in 0..200 {
        if !app.has(testid).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("[{testid}] is still on screen");
}

/// A screenshot after the window has painted the last change (WebKit's capture can lag a frame).
async fn shot(app: &App, name: &str) {
    tokio::time::sleep(Duration::from_millis(400)).await;
    app.screenshot(name).await;
}

#[tokio::test]
async fn an_invited_cashier_joins_signs_in_locks_and_unlocks_with_a_pin() {
    let app = App::start_with("identity", |data| {
        kassa(data, &["demo"], &[]);
    })
    .await;

    // The admin signs in and invites a cashier.
    app.click("demo-use-admin").await;
    app.click("login-submit").await;
    app.el("main-frame").await;
    app.click("nav-admin").await;
    app.click("admin-tab-settings").await;
    app.el("setting-input-security.idle_lock_minutes").await;
    shot(&app, "admin-settings").await;
    app.click("admin-tab-staff").await;
    app.fill("invite-email", "nia@example.com").await;
    app.fill("invite-name", "Nia Novak").await;
    app.click("invite-submit").await;
    let token = app
        .el("issued-token")
        .await
        .attr("data-token")
        .await
        .expect("token attribute")
        .expect("the code is shown");
    assert_eq!(token.replace('-', "").len(), 32, "{token}");
    shot(&app, "invitation-code").await;
    app.click("issued-done").await;
    app.wait_text("invitations", "nia@example.com").await;
    shot(&app, "staff-admin").await;
    app.click("admin-tab-audit").await;
    app.wait_text("audit-log", "staff.invited").await;
    shot(&app, "admin-audit").await;
    app.click("user-menu").await;
    app.click("logout").await;

    // The cashier redeems the code at the sign-in screen.
    app.click("login-have-code").await;
    app.fill("accept-token", &token.to_lowercase()).await;
    app.click("accept-check").await;
    app.wait_text("accept-intro", "nia@example.com").await;
    app.fill("accept-password", PASSWORD).await;
    app.fill("accept-password-repeat", PASSWORD).await;
    app.click("accept-submit").await;
    let secret = app
        .el("enrol-secret")
        .await
        .attr("data-secret")
        .await
        .expect("secret attribute")
        .expect("the secret is shown");
    assert_eq!(app.all_text("enrol-backup-codes", "li").await.len(), 10);
    shot(&app, "cashier-enrolment").await;
    app.click("accept-saved").await;
    app.click("accept-continue").await;

    // Password and authenticator code sign the cashier in.
    let email = app
        .el("login-email")
        .await
        .prop("value")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    assert_eq!(email, "nia@example.com", "the email is filled in");
    app.fill("login-password", PASSWORD).await;
    let (code, _) = totp_code(&secret, None).await;
    app.fill("login-code", &code).await;
    app.click("login-submit").await;
    app.el("main-frame").await;
    app.wait_text("user-menu", "Nia Novak").await;
    assert!(
        !app.has("nav-admin").await,
        "a cashier has no Admin section"
    );

    // My account: a PIN.
    app.click("user-menu").await;
    app.click("menu-account").await;
    app.fill("account-pin-password", PASSWORD).await;
    app.fill("account-pin", "4711").await;
    app.fill("account-pin-repeat", "4711").await;
    app.click("account-set-pin").await;
    app.el("account-pin-done").await;
    shot(&app, "my-account").await;

    // Lock, then the PIN unlocks the same session.
    app.click("user-menu").await;
    app.click("menu-lock").await;
    app.wait_text("lock-screen", "Nia Novak").await;
    shot(&app, "locked").await;
    app.fill("lock-pin", "0000").await;
    app.click("lock-unlock").await;
    app.wait_text("lock-error", "PIN").await;
    app.fill("lock-pin", "4711").await;
    app.click("lock-unlock").await;
    wait_gone(&app, "lock-screen").await;
    app.el("main-frame").await;

    // Sign out.
    app.click("user-menu").await;
    app.click("logout").await;
    app.el("login-screen").await;
    shot(&app, "signed-out").await;

    // The audit trail holds each step, and its chain is intact.
    let verify = kassa(&app.data_dir, &["audit", "verify"], &[]);
    assert_eq!(verify["ok"], true, "{verify}");
    app.quit().await;
}

#[tokio::test]
async fn a_locked_out_cashier_is_unlocked_in_place_by_a_manager_at_the_sign_in_screen() {
    let mut staff = serde_json::Value::Null;
    let app = App::start_with("identity_lockout", |data| {
        staff = kassa(data, &["demo"], &[])["staff"].clone();
    })
    .await;
    let person = |role: &str| {
        staff
            .as_array()
            .and_then(|a| a.iter().find(|s| s["role"] == role))
            .cloned()
            .expect("demo person")
    };
    let cashier = person("cashier");
    let manager = person("manager");
    let email = cashier["email"].as_str().expect("email");

    // Ten wrong passwords lock the account. A wrong password on a locked account is answered
    // as any wrong sign-in, so a stranger learns nothing; the right password is told the lock
    // and until when.
    app.fill("login-email", email).await;
    for _ in 0..10 {
        app.fill("login-password", "not the password at all").await;
        app.fill("login-code", "000000").await;
        app.click("login-submit").await;
        app.el("login-error").await;
    }
    app.wait_text("login-error", "wrong").await;
    app.fill(
        "login-password",
        cashier["password"].as_str().expect("password"),
    )
    .await;
    app.fill("login-code", "000000").await;
    app.click("login-submit").await;
    app.wait_text("login-error", "locked").await;
    app.el("login-locked").await;
    shot(&app, "locked-out").await;

    // The manager unlocks in place with password and authenticator code.
    app.click("login-manager-unlock").await;
    app.fill(
        "login-override-email",
        manager["email"].as_str().expect("email"),
    )
    .await;
    app.fill(
        "login-override-password",
        manager["password"].as_str().expect("password"),
    )
    .await;
    let (code, _) = totp_code(manager["totp_secret"].as_str().expect("secret"), None).await;
    app.fill("login-override-code", &code).await;
    shot(&app, "manager-approval").await;
    app.click("login-override-approve").await;
    app.el("login-unlocked").await;

    // The cashier signs in.
    app.fill(
        "login-password",
        cashier["password"].as_str().expect("password"),
    )
    .await;
    let (code, _) = totp_code(cashier["totp_secret"].as_str().expect("secret"), None).await;
    app.fill("login-code", &code).await;
    app.click("login-submit").await;
    app.el("main-frame").await;
    shot(&app, "cashier-signed-in").await;
    app.quit().await;
}
