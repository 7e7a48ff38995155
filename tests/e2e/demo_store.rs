//! The demo store, as `scripts/run` opens it: a cashier signs in from the demo panel.

use crate::harness::{App, kassa};

#[tokio::test]
async fn a_cashier_signs_in_to_the_demo_store_and_sees_only_their_sections() {
    let app = App::start_with("demo_store", |data| {
        let out = kassa(data, &["demo"], &[]);
        assert_eq!(out["staff"].as_array().map(Vec::len), Some(4), "{out}");
    })
    .await;
    assert!(app.data_dir.join("kassa.db").exists());

    app.el("demo-logins").await;
    app.click("demo-use-cashier").await;
    app.click("login-submit").await;

    app.el("main-frame").await;
    app.wait_text("store-name-label", "Corner Shop (demo)")
        .await;
    assert!(app.has("nav-sell").await);
    assert!(
        !app.has("nav-admin").await,
        "a cashier has no Admin section"
    );
    assert!(
        !app.has("nav-reports").await,
        "a cashier has no Reports section"
    );
    app.screenshot("cashier-main-frame").await;
    app.quit().await;
}
