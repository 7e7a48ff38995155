//! Card payments with the app, the server and the card provider (localstripe behind its
//! stand-in) running together: a card sale online is taken by the provider in the pay dialog;
//! with the server stopped a card sale is taken offline and flagged pending; once the server is
//! back the background sync forwards it, the provider takes it and the flag clears.

use crate::harness::{App, kassa};
use crate::sync::{Server, badge_state, paired_demo, pairing_code};
use kassa_localstripe::{SECRET_KEY, StripeStandIn, terminal};
use std::time::Duration;

/// The card provider (localstripe behind its stand-in) and the folder of the server that
/// takes cards through it.
struct CardProvider {
    stripe: StripeStandIn,
    server_dir: tempfile::TempDir,
}

impl CardProvider {
    fn start() -> CardProvider {
        CardProvider {
            stripe: StripeStandIn::start(),
            server_dir: tempfile::tempdir().expect("server folder"),
        }
    }

    /// Starts the server (again) at `addr` with the provider's settings.
    fn server(&self, addr: &str) -> Server {
        let env = [
            ("KASSA_STRIPE_SECRET_KEY", SECRET_KEY),
            ("KASSA_STRIPE_API_BASE", self.stripe.base_url()),
        ];
        Server::start_env(addr, self.server_dir.path(), &[], &env)
    }
}

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
    let provider = CardProvider::start();
    let server = provider.server("127.0.0.1:0");
    let url = server.url();
    let code = pairing_code(provider.server_dir.path(), None);

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
    let back = provider.server(&url["http://".len()..]);
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

/// A booking's balance by card in the app, on a paired laptop with the provider running: the
/// card is taken through the server at once, the payment line names the card, and cancelling
/// pays the refund back to that card, which the payment line then says.
#[tokio::test]
async fn a_booking_balance_is_taken_by_card_and_its_cancellation_pays_the_card_back() {
    let provider = CardProvider::start();
    let (app, server, _) = manager_on_paired_demo(&provider, "booking-cards").await;
    let balance = open_confirmed_demo_booking(&app).await;
    assert_ne!(balance, 0);

    // The balance by card: the terminal's token, taken through the server's provider.
    fill_booking_card(&app, &format!("{}.{:02}", balance / 100, balance % 100)).await;
    app.screenshot("b1-card-dialog").await;
    app.click("booking-pay-submit").await;
    wait_status(&app, "paid").await;
    assert_eq!(app.attr("booking-balance", "data-minor").await, "0");
    app.wait_text("booking-payments", "Card VISA •••• 4242")
        .await;
    app.screenshot("b2-paid-by-card").await;

    // Cancelled: the fee is kept and the rest goes back to the card at once.
    app.click("booking-cancel").await;
    app.el("booking-cancel-dialog").await;
    let refund = app.attr("cancel-refund", "data-minor").await;
    assert_ne!(refund, "0");
    app.click("cancel-confirm").await;
    wait_status(&app, "cancelled").await;
    app.wait_text("booking-card-refund", "paid back to the card")
        .await;
    app.screenshot("b3-card-paid-back").await;
    drop(server);
    app.quit().await;
}

/// A deposit by card on a laptop whose server is out of reach: taken within the offline card
/// limits, it confirms the booking and says it waits for the provider; once the server is back
/// the background sync charges it and the line no longer waits.
#[tokio::test]
async fn offline_a_booking_takes_a_card_that_the_provider_charges_once_the_server_is_back() {
    let provider = CardProvider::start();
    let (app, server, url) = manager_on_paired_demo(&provider, "booking-cards-offline").await;
    badge_state(&app, "online", 30).await;
    drop(server);
    // Offline before the booking opens: the banner that then shows moves the page down, and
    // no sync ends to read the booking again while its payment dialog is open.
    badge_state(&app, "offline", 60).await;
    app.el("offline-banner").await;
    let balance = open_confirmed_demo_booking(&app).await;

    // 100.00 by card, under the offline cap of 150.00 for one card.
    fill_booking_card(&app, "100.00").await;
    app.click("booking-pay-submit").await;
    app.wait_text("booking-card-status", "waiting for the card provider")
        .await;
    assert_eq!(
        app.attr("booking-balance", "data-minor").await,
        (balance - 10_000).to_string()
    );
    app.screenshot("01-card-taken-offline").await;

    // The server is back: the background sync charges the card; reopened, the line is plain.
    let back = provider.server(&url["http://".len()..]);
    assert_eq!(back.url(), url);
    badge_state(&app, "online", 90).await;
    let mut waiting = true;
    for _ in 0..60 {
        app.click("booking-back").await;
        app.click("booking-open").await;
        app.el("booking-page").await;
        if !app.has("booking-card-status").await {
            waiting = false;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(!waiting, "the card still waits for the provider");
    app.wait_text("booking-payments", "Card VISA •••• 4242")
        .await;
    app.screenshot("02-card-charged").await;
    app.quit().await;
    drop(back);
}

/// The server on the provider, and the app on the demo store paired with it, the manager
/// signed in: (app, server, the server's URL).
async fn manager_on_paired_demo(provider: &CardProvider, name: &str) -> (App, Server, String) {
    let server = provider.server("127.0.0.1:0");
    let url = server.url();
    let app = App::start_with(name, |data| {
        paired_demo(data, &url, provider.server_dir.path());
    })
    .await;
    app.el("demo-logins").await;
    app.click("demo-use-manager").await;
    app.click("login-submit").await;
    app.el("sell-screen").await;
    (app, server, url)
}

/// Opens the demo's confirmed booking (a company's three staff, the deposit paid in cash);
/// answers its balance.
async fn open_confirmed_demo_booking(app: &App) -> i64 {
    app.click("nav-bookings").await;
    app.click("bookings-tab-list").await;
    app.fill("booking-search", "Sonnenschein").await;
    app.wait_text("booking-table", "Confirmed").await;
    // The search settles (typing searches after a pause) before the row is picked.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    app.click("booking-open").await;
    app.el("booking-page").await;
    wait_status(app, "confirmed").await;
    app.attr("booking-balance", "data-minor")
        .await
        .parse()
        .expect("the balance in minor units")
}

/// Opens the booking's payment dialog and fills in `amount` by card with the terminal's Visa
/// token, ready to take.
async fn fill_booking_card(app: &App, amount: &str) {
    app.click("booking-pay").await;
    app.el("booking-pay-dialog").await;
    app.driver
        .execute(
            r#"const s = document.querySelector("[data-testid='booking-pay-tender']"); s.value = "card"; s.dispatchEvent(new Event("change", { bubbles: true }));"#,
            Vec::new(),
        )
        .await
        .expect("choose the card");
    app.fill("booking-pay-card-token", terminal::VISA).await;
    app.fill("booking-pay-amount", amount).await;
}

async fn wait_status(app: &App, status: &str) {
    for _ in 0..60 {
        if app.attr("booking-status", "data-status").await == status {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!(
        "the booking is {}, not {status}",
        app.attr("booking-status", "data-status").await
    );
}
