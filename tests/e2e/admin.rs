//! The settings screen in the real app at 1280×800: grouped by what a manager looks for,
//! every heading translated, no horizontal scrolling and every Save button in view; then the
//! same screen in German.

use crate::harness::{App, kassa};
use std::time::Duration;

/// The page's geometry: the content's overflow and the first Save button's box, in CSS pixels.
async fn layout(app: &App) -> serde_json::Value {
    let ret = app
        .driver
        .execute(
            r#"const content = document.querySelector("main.content");
               const saves = [...document.querySelectorAll("[data-testid^='setting-save-'], [data-testid^='store-save-']")];
               const right = Math.max(...saves.map((b) => b.getBoundingClientRect().right));
               const first = saves[0].getBoundingClientRect();
               return { viewport: window.innerWidth, height: window.innerHeight,
                        scrollWidth: content.scrollWidth, clientWidth: content.clientWidth,
                        saves: saves.length, right, firstTop: first.top, firstBottom: first.bottom };"#,
            Vec::new(),
        )
        .await
        .expect("layout");
    ret.json().clone()
}

#[tokio::test]
async fn the_settings_fit_1280_pixels_with_translated_groups_in_english_and_german() {
    let app = App::start_with("admin-settings", |data| {
        kassa(data, &["demo"], &[]);
    })
    .await;
    app.click("demo-use-manager").await;
    app.click("login-submit").await;
    app.el("main-frame").await;
    app.click("nav-admin").await;
    app.click("admin-tab-settings").await;
    app.el("setting-input-security.idle_lock_minutes").await;
    app.el("store-name").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    app.screenshot("settings-en").await;

    let headings = app.all_text("settings-admin", "h3").await;
    assert_eq!(
        headings,
        [
            "Store",
            "Receipts and printing",
            "Payments and cash",
            "Discounts and refunds",
            "Bookings and commissions",
            "Stock",
            "Security",
            "Reports"
        ],
        "{headings:?}"
    );
    let l = layout(&app).await;
    let num = |k: &str| l[k].as_f64().unwrap_or(f64::NAN);
    assert_eq!(l["viewport"], 1280, "{l}");
    assert!(
        num("scrollWidth") <= num("clientWidth"),
        "no horizontal scrolling: {l}"
    );
    assert!(num("saves") >= 15.0, "{l}");
    assert!(
        num("right") <= num("viewport"),
        "every Save button in view: {l}"
    );
    assert!(
        num("firstTop") >= 0.0 && num("firstBottom") <= num("height"),
        "the first Save button is on screen without scrolling: {l}"
    );
    // The demo store sold: its currency is fixed and says so.
    app.wait_text("currency-hint", "sales were already taken")
        .await;

    // A change saves where it is.
    app.fill("setting-input-stock.expiry_warning_days", "10")
        .await;
    app.click("setting-save-stock.expiry_warning_days").await;
    app.wait_text("setting-stock.expiry_warning_days", "Saved")
        .await;

    // German: the same screen, every heading in German.
    app.click("user-menu").await;
    app.driver
        .execute(
            r#"const s = document.getElementById("lang"); s.value = "de"; s.dispatchEvent(new Event("change", { bubbles: true }));"#,
            Vec::new(),
        )
        .await
        .expect("switch to German");
    app.wait_text("settings-admin", "Zahlungen und Bargeld")
        .await;
    let headings = app.all_text("settings-admin", "h3").await;
    assert_eq!(
        headings,
        [
            "Geschäft",
            "Belege und Drucken",
            "Zahlungen und Bargeld",
            "Rabatte und Erstattungen",
            "Buchungen und Provisionen",
            "Lager",
            "Sicherheit",
            "Berichte"
        ],
        "{headings:?}"
    );
    let l = layout(&app).await;
    let num = |k: &str| l[k].as_f64().unwrap_or(f64::NAN);
    assert!(
        num("scrollWidth") <= num("clientWidth"),
        "German fits too: {l}"
    );
    assert!(num("right") <= num("viewport"), "{l}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    app.screenshot("settings-de").await;
    // Money in the store's currency with the German decimal comma, rates as a percent.
    assert_eq!(
        app.attr("setting-input-payments.offline_card_max_minor", "value")
            .await,
        "150,00"
    );
    assert_eq!(
        app.attr("setting-input-sell.max_discount_bp", "value")
            .await,
        "10"
    );
    app.wait_text(
        "setting-hint-payments.offline_card_max_minor",
        "Standard: 150,00",
    )
    .await;
    app.click("user-menu").await;
    app.driver
        .execute(
            r#"document.querySelector("[data-testid='settings-group-payments']").scrollIntoView();"#,
            Vec::new(),
        )
        .await
        .expect("scroll to the payments");
    app.screenshot("settings-payments-de").await;

    // The language is kept by the window's web storage, which every app started on this
    // machine shares: back to English, as the other tests expect.
    let menu_open = app
        .driver
        .execute(
            r#"return document.getElementById("lang") !== null;"#,
            Vec::new(),
        )
        .await
        .expect("look for the language list")
        .json()
        .as_bool()
        .unwrap_or(false);
    if !menu_open {
        app.click("user-menu").await;
    }
    app.driver
        .execute(
            r#"const s = document.getElementById("lang"); s.value = "en"; s.dispatchEvent(new Event("change", { bubbles: true }));"#,
            Vec::new(),
        )
        .await
        .expect("switch back to English");
    app.wait_text("settings-admin", "Payments and cash").await;
    app.quit().await;
}

/// Booking policies in the real app: a manager changes the store's deposit and a demo trip's
/// cancellation fees; both come back from the core when the tab is opened again.
#[tokio::test]
async fn a_manager_sets_the_store_booking_policy_and_a_trips_terms() {
    let app = App::start_with("admin-policies", |data| {
        kassa(data, &["demo"], &[]);
    })
    .await;
    app.click("demo-use-manager").await;
    app.click("login-submit").await;
    app.el("main-frame").await;
    app.click("nav-admin").await;
    app.click("admin-tab-policies").await;
    app.el("store-terms").await;
    app.el("policy-trip").await;

    app.fill("store-terms-deposit", "25").await;
    app.click("store-terms-save").await;
    app.wait_text("policies-notice", "saved").await;

    app.click("policy-trip-edit").await;
    app.el("trip-terms").await;
    app.fill("trip-terms-fee-percent", "40").await;
    app.click("trip-terms-save").await;
    app.wait_text("policies-notice", "bookings made from now on")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.screenshot("booking-policies").await;

    // Away and back: what shows is what the core kept.
    app.click("admin-tab-overview").await;
    app.click("admin-tab-policies").await;
    app.el("store-terms").await;
    assert_eq!(app.attr("store-terms-deposit", "value").await, "25");
    app.wait_text("policy-trip-fees", "40 % of the price").await;
    app.quit().await;
}
