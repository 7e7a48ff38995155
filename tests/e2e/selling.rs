//! A shift at the counter in the real app: open the drawer, scan three items, pay part by
//! card and part in cash, see the change and the receipt, refund one line, count and close
//! the drawer, and read the day's Z report.

use crate::harness::{App, kassa};
use kassa_app::kassa_domain::catalog::gtin_check_digit;
use thirtyfour::Key;

/// The demo catalog's EAN-13 for a 12-digit body.
fn ean(body: &str) -> String {
    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    format!("{body}{}", gtin_check_digit(&digits))
}

#[tokio::test]
async fn a_shift_at_the_counter_from_float_to_z_report() {
    let app = App::start_with("selling", |data| {
        kassa(data, &["demo"], &[]);
    })
    .await;
    app.el("demo-logins").await;
    app.click("demo-use-manager").await;
    app.click("login-submit").await;
    app.el("sell-screen").await;

    // At 1280 px with "Open shift" showing, the search field shows its whole placeholder.
    app.el("no-shift").await;
    let fit = app
        .driver
        .execute(
            r#"const i = document.querySelector("[data-testid='sell-search-input']");
            const s = getComputedStyle(i);
            const c = document.createElement("canvas").getContext("2d");
            c.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
            const need = c.measureText(i.placeholder).width + parseFloat(s.paddingLeft) + parseFloat(s.paddingRight);
            return [Math.ceil(need), i.clientWidth, window.innerWidth, i.placeholder];"#,
            Vec::new(),
        )
        .await
        .expect("measure the search field");
    let fit = fit.json().clone();
    assert!(
        fit[0].as_f64() <= fit[1].as_f64() && fit[2].as_f64() >= Some(1200.0),
        "the search field's placeholder fits: [needed px, field px, window px, placeholder] = {fit}"
    );
    app.screenshot("00-no-shift-1280").await;

    // The dark theme passes the same checks (contrast of text on the brand colour).
    app.driver
        .execute(
            "document.documentElement.dataset.theme = 'dark';",
            Vec::new(),
        )
        .await
        .expect("dark theme");
    app.screenshot("00-no-shift-dark").await;
    app.driver
        .execute(
            "document.documentElement.dataset.theme = 'light';",
            Vec::new(),
        )
        .await
        .expect("light theme");

    // Open the drawer with a float of 5 × 20 €.
    app.click("open-shift").await;
    app.fill("count-2000", "5").await;
    app.wait_text("count-total", "100").await;
    app.screenshot("01-float-count").await;
    app.click("shift-open-submit").await;
    // The top bar names the shift the X report names (the demo's past days hold earlier shifts).
    let heading = app.text("x-report").await;
    let number: String = heading
        .split_whitespace()
        .find(|w| w.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or_else(|| panic!("the X report names its shift: {heading}"))
        .to_string();
    app.click("shift-dialog-close").await;
    app.wait_text("shift-status", &format!("Shift {number} · since"))
        .await;

    // Scan three items, as a scanner types them: digits and Enter.
    for body in ["400638133393", "200000000010", "400213300011"] {
        app.scan("sell-search-input", &ean(body)).await;
    }
    for _ in 0..100 {
        if app
            .all_text("cart-lines", "[data-testid='cart-line']")
            .await
            .len()
            == 3
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.all_text("cart-lines", "[data-testid='cart-line']")
            .await
            .len(),
        3
    );
    app.screenshot("02-cart").await;

    // Part card (offline: the customer's contact is taken), the rest in cash.
    app.click("pay").await;
    app.el("pay-dialog").await;
    // Oat milk 2.29 + croissant 1.40 + water 0.99.
    assert!(
        app.text("amount-due")
            .await
            .replace(',', ".")
            .contains("4.68"),
        "due: {}",
        app.text("amount-due").await
    );
    app.fill("pay-card", "2").await;
    app.fill("pay-contact", "cleo@example.com").await;
    app.fill("pay-cash", "20").await;
    app.screenshot("03-pay").await;
    app.click("pay-complete").await;
    // 4.68 due, 2.00 by card, 20.00 in cash: 17.32 back.
    let change = app.text("change-due").await;
    assert_eq!(app.attr("change-due", "data-minor").await, "1732");
    assert!(
        change.replace(',', ".").contains("17.32"),
        "the change shown is 17.32: {change}"
    );
    assert!(
        app.text("pay-announcement")
            .await
            .replace(',', ".")
            .contains("17.32"),
        "the change is announced"
    );
    app.el("receipt-preview").await;
    let number = app.attr("pay-result", "data-number").await;
    assert!(number.starts_with("DEMO-01-"), "{number}");
    app.screenshot("04-change-and-receipt").await;
    // The focus is on "Next customer", and Tab stays in the dialog, out of the receipt frame.
    assert_eq!(focused(&app).await, "receipt-done");
    for _ in 0..8 {
        app.press(Key::Tab).await;
        let at = focused(&app).await;
        assert!(
            at != "IFRAME" && at != "BODY",
            "Tab left the dialog's controls: {at}"
        );
    }
    // Esc closes it, and the till is ready for the next customer.
    app.press(Key::Escape).await;
    for _ in 0..50 {
        if !app.has("pay-dialog").await {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!app.has("pay-dialog").await, "Esc closes the receipt");

    // Refund one croissant: F6 opens returns; scan the receipt's number there.
    app.press(Key::F6).await;
    app.scan("return-number", &number).await;
    app.el("return-line").await;
    let qty = app
        .driver
        .find_all(thirtyfour::By::Css("[data-testid='return-qty']"))
        .await
        .unwrap();
    assert_eq!(qty.len(), 3);
    qty[1].clear().await.unwrap();
    qty[1].send_keys("1").await.unwrap();
    app.screenshot("05-return").await;
    app.click("return-submit").await;
    app.el("refund-result").await;
    app.screenshot("06-refunded").await;
    app.click("receipt-done").await;

    // Count the drawer: exactly what it should hold, in 1-cent coins.
    app.click("open-shift").await;
    let expected = app.attr("expected-cash", "data-minor").await;
    assert!(
        expected.parse::<i64>().unwrap() > 10_000,
        "float plus cash taken: {expected}"
    );
    app.click("shift-close").await;
    app.fill("count-1", &expected).await;
    app.screenshot("07-close-count").await;
    app.click("shift-close-submit").await;
    assert_eq!(
        app.attr("over-short", "data-minor").await,
        "0",
        "the drawer adds up"
    );
    app.screenshot("08-shift-closed").await;
    app.click("shift-dialog-close").await;

    // The day's Z report: one sale, one refund; then close the day.
    app.click("nav-reports").await;
    app.click("report-tab-z").await;
    app.wait_text("z-orders", "1").await;
    app.screenshot("09-z-report").await;
    app.click("z-close").await;
    app.click("z-close-confirm").await;
    app.el("z-list").await;
    // The demo store closed each of its 56 days of history with a Z report: today's is the 57th.
    app.wait_text("z-report", "Z report 57").await;
    app.screenshot("10-z-closed").await;
    app.quit().await;
}

/// What has the keyboard focus: its `data-testid`, else its tag name (`BODY`, `IFRAME`...).
async fn focused(app: &App) -> String {
    let ret = app
        .driver
        .execute(
            "const a = document.activeElement; return a ? (a.dataset.testid || a.tagName) : 'NONE';",
            Vec::new(),
        )
        .await
        .expect("read the focus");
    ret.json().as_str().unwrap_or_default().to_string()
}
