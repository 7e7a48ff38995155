//! A new device: first-run setup with authenticator enrolment ends on the main frame.

use crate::harness::{App, totp_code};

#[tokio::test]
async fn first_run_setup_enrols_the_admin_and_lands_on_the_main_frame() {
    let app = App::start("first_run_setup").await;

    app.fill("store-name", "Corner Shop").await;
    app.fill("store-code", "CORN").await;
    app.click("setup-next").await;

    app.fill("admin-name", "Ada Lovelace").await;
    app.fill("admin-email", "ada@example.com").await;
    app.fill("admin-password", "correct horse battery staple")
        .await;
    app.fill("admin-password-repeat", "correct horse battery staple")
        .await;
    app.click("setup-create").await;

    let secret = app
        .el_within("totp-secret", std::time::Duration::from_secs(90))
        .await
        .attr("data-secret")
        .await
        .expect("secret attribute")
        .expect("the secret is shown");
    assert_eq!(secret.len(), 32, "a 160-bit secret is 32 base32 characters");
    let codes = app.all_text("backup-codes", "li").await;
    assert_eq!(codes.len(), 10, "ten backup codes: {codes:?}");
    app.screenshot("enrolment").await;

    let (code, _) = totp_code(&secret, None).await;
    app.click("backup-saved").await;
    app.fill("totp-code", &code).await;
    app.click("setup-confirm").await;

    app.el("main-frame").await;
    app.wait_text("store-name-label", "Corner Shop").await;
    assert!(app.has("nav-admin").await, "an admin sees Admin");
    assert!(
        app.text("sync-badge").await.contains("Offline"),
        "an unpaired device says it is offline"
    );
    let shot = app.screenshot("main-frame").await;
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 10_000)
            .unwrap_or(false),
        "a real screenshot"
    );
    app.quit().await;
}
