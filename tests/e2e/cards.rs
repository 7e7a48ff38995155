//! Card payments with the app, the server and the card provider (localstripe behind its
//! stand-in) running together: a card sale online is taken by the provider in the pay dialog;
//! with the server stopped a card sale is taken offline and flagged pending; once the server is
//! back the background sync forwards it, the provider takes it and the flag clears.

use crate::harness::{App, kassa};
use crate::sync::{Server, badge_state, pairing_code};
use kassa_localstripe::{SECRET_KEY, StripeStandIn, terminal};
use std::time::Duration;

/// Sells one croissant by card with the terminal's `token`; answers the pay dialog's result.
async fn card_sale(app: &App, token: &str) -> String {
    app.scan("sell-search-input", "BAK-CROI").await;
    app.el("cart-line").await;
    app.click("pay").await;
    app.el("pay-dialog").await;
    app.click("pay-card-all").await;
    app.fill("pay-contact", "nia@example.com").await;
    app.fill("pay-card-token", token).await;
    app.click("pay-complete").await;
    app.attr("pay-result", "data-number").await
}

/// Waits up to `secs` for the Reports page to list `n` card payments waiting.
async fn pending_cards(app: &App, n: usize, secs: u64) {
    let mut listed = usize::MAX;
    for _ in 0..secs * 2 {
        app.click("report-tab-sales").await;
        app.click("report-tab-z").await;
        app.el("pending-cards").await;
        listed = app.all_text("pending-cards", "li").await.len();
        if listed == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("Reports listed {listed} pending card payments, not {n}");
}

#[tokio::test]
async fn a_card_sale_is_taken_online_and_one_taken_offline_is_confirmed_once_the_server_is_back() {
    let stripe = StripeStandIn::start();
    let env = [
        ("KASSA_STRIPE_SECRET_KEY", SECRET_KEY),
        ("KASSA_STRIPE_API_BASE", stripe.base_url()),
    ];
    let server_dir = tempfile::tempdir().expect("server folder");
    let server = Server::start_env("127.0.0.1:0", server_dir.path(), &[], &env);
    let url = server.url();
    let code = pairing_code(server_dir.path(), None);

    let app = App::start_with("cards", |data| {
        kassa(data, &["demo"], &[]);
    })
    .await;
    app.el("demo-logins").await;
    app.click("demo-use-admin").await;
    app.click("login-submit").await;
    app.el("main-frame").await;
    app.click("nav-admin").await;
    app.click("admin-tab-devices").await;
    app.el("pair-form").await;
    app.fill("pair-url", &url).await;
    app.fill("pair-code", &code).await;
    app.click("pair-submit").await;
    app.wait_text("devices-paired-with", &url).await;
    badge_state(&app, "online", 30).await;

    // Online: the pay dialog asks the provider, which takes the card.
    app.click("nav-sell").await;
    app.el("sell-screen").await;
    app.click("open-shift").await;
    app.fill("count-2000", "5").await;
    app.click("shift-open-submit").await;
    app.el("x-report").await;
    app.click("shift-dialog-close").await;
    card_sale(&app, terminal::VISA).await;
    app.el("card-captured-note").await;
    assert!(!app.has("card-pending-note").await);
    app.screenshot("01-card-online").await;
    app.click("receipt-done").await;

    // The server stops: the next card is taken offline and waits.
    drop(server);
    card_sale(&app, terminal::VISA).await;
    app.el("card-pending-note").await;
    app.screenshot("02-card-offline").await;
    app.click("receipt-done").await;
    badge_state(&app, "offline", 30).await;
    app.click("nav-reports").await;
    pending_cards(&app, 1, 5).await;
    app.screenshot("03-card-pending").await;

    // The server comes back: the background sync forwards the card and the flag clears.
    let back = Server::start_env(&url["http://".len()..], server_dir.path(), &[], &env);
    assert_eq!(back.url(), url);
    badge_state(&app, "online", 90).await;
    pending_cards(&app, 0, 30).await;
    app.screenshot("04-card-confirmed").await;

    // The manager asks the server what it found about the store's cards: nothing amiss.
    app.click("report-tab-cards").await;
    app.el("cards-report").await;
    app.click("cd-findings-load").await;
    app.el("cd-findings-none").await;
    assert!(!app.has("cd-findings-error").await);
    app.screenshot("05-card-findings").await;
    app.quit().await;
    drop(back);
}
