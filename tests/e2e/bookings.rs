//! A booking in the real app, as an agent at the counter: the wizard (customer, departure,
//! travellers checked by the core, the price), a hold, the deposit in cash, the confirmation
//! PDF, part of the balance off a gift voucher, an amendment with its difference shown first,
//! and a cancellation with its fee shown before confirming.

use crate::harness::{App, kassa};
use crate::sync::{Server, login, paired_demo, person};
use thirtyfour::By;

async fn wait_attr(app: &App, testid: &str, name: &str, want: &str) {
    for _ in 0..200 {
        if app.has(testid).await && app.attr(testid, name).await == want {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "[{testid}] never had {name}={want}; it has {}",
        app.attr(testid, name).await
    );
}

#[tokio::test]
async fn a_booking_from_the_wizard_to_a_cancellation_with_its_fee() {
    // A gift voucher of 50.00, issued by the demo's admin from the command line (the manager
    // signs in on the window, each with their own authenticator step).
    let mut voucher = String::new();
    let app = App::start_with("bookings", |data| {
        let demo = kassa(data, &["demo"], &[]);
        login(data, &person(&demo, "admin"));
        let v = kassa(data, &["voucher", "issue", "--amount", "5000"], &[]);
        voucher = v["code"].as_str().expect("the voucher's code").to_string();
    })
    .await;
    app.el("demo-logins").await;
    app.click("demo-use-manager").await;
    app.click("login-submit").await;
    app.el("sell-screen").await;

    // The demo store's departures are listed by day with their seats.
    app.click("nav-bookings").await;
    app.el("bookings-screen").await;
    app.click("bookings-tab-departures").await;
    app.wait_text("departure-days", "Lake Constance, 3 days")
        .await;
    assert!(
        app.text("departure-days")
            .await
            .contains("40 of 40 seats left"),
        "{}",
        app.text("departure-days").await
    );
    app.screenshot("01-departures").await;

    // The wizard: a customer from the picker, the first Lake Constance departure.
    app.click("booking-new").await;
    app.el("booking-wizard").await;
    app.click("wizard-customer").await;
    app.fill("customer-query", "Müller").await;
    app.wait_text("customer-picker", "Jörg Müller").await;
    // The search settles (typing searches after a pause); then pick the one named so.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let found = app
        .all_text("customer-picker", "[data-testid='customer-option']")
        .await;
    let at = found
        .iter()
        .position(|t| t.contains("Jörg Müller"))
        .unwrap_or_else(|| panic!("Jörg Müller among {found:?}"));
    app.driver
        .find_all(By::Css("[data-testid='customer-option']"))
        .await
        .expect("customers found")[at]
        .click()
        .await
        .expect("pick the customer");
    app.wait_text("wizard-customer-name", "Müller").await;
    app.click("wizard-next").await;
    app.el("wizard-departure").await;
    let lake = app
        .driver
        .find_all(By::Css(
            "[data-testid='wizard-departure'][data-trip^='Lake Constance']",
        ))
        .await
        .expect("departures")
        .into_iter()
        .next()
        .expect("a Lake Constance departure");
    lake.click().await.expect("choose the departure");
    app.click("wizard-next").await;

    // Travellers: a missing name is refused by the core, next to the field.
    app.el("traveller-name").await;
    app.click("wizard-next").await;
    let issue = app.text("traveller-issue").await;
    assert!(issue.contains("name"), "the name's refusal: {issue}");
    app.screenshot("02-traveller-refused").await;
    app.fill("traveller-name", "Jörg Müller").await;
    app.click("traveller-add").await;
    app.click("traveller-add").await;
    let names = app
        .driver
        .find_all(By::Css("[data-testid='traveller-name']"))
        .await
        .expect("three travellers");
    assert_eq!(names.len(), 3);
    names[1].send_keys("Anna Müller").await.expect("name 2");
    names[2].send_keys("Paul Müller").await.expect("name 3");
    // The third travels as a child.
    app.driver
        .execute(
            r#"const s = document.querySelectorAll("[data-testid='traveller-type']")[2];
            s.value = "child"; s.dispatchEvent(new Event("change", { bubbles: true }));"#,
            Vec::new(),
        )
        .await
        .expect("a child");
    app.click("wizard-next").await;
    // Options: none; then the price per traveller type, the total and the deposit.
    app.el("booking-note").await;
    app.click("wizard-next").await;
    app.el("wizard-price").await;
    // 2 × 349.00 + 1 × 199.00 = 897.00; a 20 % deposit of 179.40.
    assert_eq!(app.attr("wizard-total", "data-minor").await, "89700");
    assert_eq!(app.attr("wizard-deposit", "data-minor").await, "17940");
    let price = app.text("wizard-price").await;
    assert!(
        price.contains("2 × Adult") && price.contains("1 × Child"),
        "{price}"
    );
    app.screenshot("03-price").await;

    // Hold, then take the deposit in cash on the booking's page.
    app.click("wizard-hold").await;
    app.el("booking-page").await;
    wait_attr(&app, "booking-status", "data-status", "held").await;
    let reference = app.text("booking-reference").await;
    assert!(reference.starts_with("DEMO-"), "{reference}");
    app.click("booking-pay").await;
    app.el("booking-pay-dialog").await;
    let offered = app
        .el("booking-pay-amount")
        .await
        .prop("value")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    assert_eq!(offered, "179.40", "the deposit is offered first");
    app.click("booking-pay-submit").await;
    wait_attr(&app, "booking-status", "data-status", "confirmed").await;
    assert_eq!(app.attr("booking-paid", "data-minor").await, "17940");
    assert_eq!(app.attr("booking-balance", "data-minor").await, "71760");
    assert!(app.text("booking-notice").await.contains("receipt"));
    app.wait_text("booking-timeline", "Confirmed").await;
    app.screenshot("04-confirmed").await;

    // 50.00 of the balance off the gift voucher, by its code.
    app.click("booking-pay").await;
    app.el("booking-pay-dialog").await;
    app.driver
        .execute(
            r#"const s = document.querySelector("[data-testid='booking-pay-tender']"); s.value = "voucher"; s.dispatchEvent(new Event("change", { bubbles: true }));"#,
            Vec::new(),
        )
        .await
        .expect("choose the voucher");
    app.fill("booking-pay-voucher", &voucher).await;
    app.fill("booking-pay-amount", "50.00").await;
    app.screenshot("04a-voucher").await;
    app.click("booking-pay-submit").await;
    wait_attr(&app, "booking-paid", "data-minor", "22940").await;
    assert_eq!(app.attr("booking-balance", "data-minor").await, "66760");
    app.wait_text("booking-page", "Voucher or store credit")
        .await;

    // The confirmation PDF lands in the data folder's exports.
    app.click("booking-confirmation").await;
    app.wait_text("booking-notice", "saved as").await;
    let pdf = app
        .data_dir
        .join("exports")
        .join(format!("booking-{reference}.pdf"));
    let bytes = std::fs::read(&pdf).unwrap_or_else(|e| panic!("{}: {e}", pdf.display()));
    assert!(bytes.starts_with(b"%PDF"), "a PDF");

    // The same confirmation previewed on screen, then emailed: it waits on this unpaired
    // device, and says so.
    app.click("booking-preview").await;
    app.el("booking-preview-frame").await;
    app.screenshot("04b-confirmation-preview").await;
    app.click("booking-preview-dialog-close").await;
    app.click("booking-email").await;
    app.fill("booking-email-to", "joerg.mueller@example.com")
        .await;
    app.click("booking-email-send").await;
    app.wait_text("booking-notice", "queued for joerg.mueller@example.com")
        .await;
    app.wait_text("email-states", "Waiting for the next sync")
        .await;
    app.screenshot("04c-confirmation-emailed").await;

    // Paul does not travel after all: the amendment shows the difference first, then takes
    // his 199.00 off; the 229.40 paid stays, below the new total.
    app.click("booking-amend").await;
    app.el("booking-amend-dialog").await;
    let boxes = app
        .driver
        .find_all(By::Css("[data-testid='amend-remove']"))
        .await
        .expect("the travellers");
    assert_eq!(boxes.len(), 3);
    boxes[2].click().await.expect("take Paul off");
    app.click("amend-show").await;
    app.el("amend-preview").await;
    assert_eq!(app.attr("amend-difference", "data-minor").await, "-19900");
    assert!(
        app.text("amend-balance").await.contains("468.60"),
        "{}",
        app.text("amend-balance").await
    );
    // Previewing changed nothing.
    assert_eq!(app.attr("booking-total", "data-minor").await, "89700");
    app.screenshot("04d-amend-preview").await;
    app.click("amend-confirm").await;
    wait_attr(&app, "booking-total", "data-minor", "69800").await;
    assert_eq!(app.attr("booking-paid", "data-minor").await, "22940");
    assert_eq!(app.attr("booking-balance", "data-minor").await, "46860");
    assert_eq!(app.attr("booking-status", "data-status").await, "confirmed");
    app.wait_text("booking-timeline", "Amended").await;
    assert!(
        app.text("booking-notice")
            .await
            .contains("199.00 less to pay"),
        "{}",
        app.text("booking-notice").await
    );
    assert!(!app.text("booking-travellers").await.contains("Paul"));
    app.screenshot("04e-amended").await;

    // Cancel: the fee is shown first. The departure is 3 to 4 weeks ahead: 50 % of 698.00,
    // more than the 229.40 paid, so nothing is refunded and 119.60 is still owed.
    app.click("booking-cancel").await;
    app.el("booking-cancel-dialog").await;
    assert_eq!(app.attr("cancel-fee", "data-minor").await, "34900");
    assert_eq!(app.attr("cancel-refund", "data-minor").await, "0");
    assert!(
        app.text("cancel-owed").await.contains("119.60"),
        "{}",
        app.text("cancel-owed").await
    );
    assert!(
        app.text("cancel-days")
            .await
            .contains("days before departure")
    );
    // Previewing changed nothing.
    assert_eq!(app.attr("booking-status", "data-status").await, "confirmed");
    app.screenshot("05-cancel-preview").await;
    app.fill("cancel-reason", "Customer ill").await;
    app.click("cancel-confirm").await;
    wait_attr(&app, "booking-status", "data-status", "cancelled").await;
    assert!(app.text("booking-notice").await.contains("349.00"));
    app.screenshot("06-cancelled").await;

    // Back on the list, the customer's name finds the booking, cancelled.
    app.click("booking-back").await;
    app.click("bookings-tab-list").await;
    app.fill("booking-search", "Jörg").await;
    app.wait_text("booking-table", &reference).await;
    let row = app.text("booking-table").await;
    assert!(
        row.contains("Cancelled") && row.contains("Jörg Müller"),
        "{row}"
    );
    app.screenshot("07-list").await;

    // Managers set trips up from the same screen: the demo's two trips are there.
    app.click("bookings-trips").await;
    app.el("trips-screen").await;
    app.wait_text("trips-screen", "Rome by coach, 7 days").await;
    app.click("trip-row").await;
    app.el("trip-detail").await;
    // The cancellation policy in words, not as the table the core keeps.
    app.wait_text("trip-policy", "60 days or more before departure: free")
        .await;
    app.wait_text(
        "trip-policy",
        "Later, up to the day of departure: 100 % of the price",
    )
    .await;
    app.screenshot("08-trips").await;
    app.quit().await;
}

/// A paired laptop's seats: the demo store paired with a server and a booking made online
/// (its seats asked of the server first), then, in the window, the seats this device holds on
/// the Departures tab, and two more asked of the server from the seats dialog.
#[tokio::test]
async fn a_paired_device_shows_the_seats_it_holds_and_asks_the_server_for_more() {
    let server_dir = tempfile::tempdir().expect("server folder");
    let server = Server::start_with("127.0.0.1:0", server_dir.path(), &[]);
    let url = server.url();
    let app = App::start_with("bookings-allotments", |data| {
        paired_demo(data, &url, server_dir.path());
        // Booked online from the command line: the seats are asked of the server first.
        let departures = kassa(data, &["departure", "list", "--trip", "LAKE-3"], &[]);
        let first = departures["items"][0]["id"]
            .as_str()
            .expect("a Lake Constance departure")
            .to_string();
        let booked = kassa(
            data,
            &[
                "book",
                "--departure",
                &first,
                "--traveller",
                "Grace Hopper",
                "--traveller",
                "Alan Turing",
            ],
            &[],
        );
        assert_eq!(booked["status"], "held", "{booked}");
        let shown = kassa(data, &["departure", "show", &first], &[]);
        // The demo's confirmed booking of three, claimed at pairing, and these two: all sold.
        assert_eq!(shown["allotment"]["held"], 3 + 2, "{shown}");
        assert_eq!(shown["allotment"]["usable"], 0, "{shown}");
    })
    .await;
    app.el("demo-logins").await;
    app.click("demo-use-manager").await;
    app.click("login-submit").await;
    app.el("sell-screen").await;
    app.click("nav-bookings").await;
    app.click("bookings-tab-departures").await;
    app.wait_text("departure-days", "This device:").await;
    app.screenshot("01-departures-held").await;

    // Only what this device holds: the departure's booked seats, all sold.
    app.click("departures-held-only").await;
    app.wait_text("departure-days", "held to sell").await;
    let rows = app
        .driver
        .find_all(By::Css("[data-testid='departure-row']"))
        .await
        .expect("departures held");
    assert!(!rows.is_empty());
    rows[0]
        .find(By::Css("[data-testid='departure-seats-held']"))
        .await
        .expect("the seats button")
        .click()
        .await
        .expect("open the seats dialog");
    app.el("allotment-dialog").await;
    let before: i64 = app
        .text("allotment-held")
        .await
        .trim()
        .parse()
        .expect("a number");
    assert!(before > 0, "the claimed seats");
    app.fill("allotment-seats", "2").await;
    app.click("allotment-request").await;
    app.wait_text("allotment-note", "2 more seats are held by this device")
        .await;
    assert_eq!(
        app.text("allotment-held").await.trim(),
        (before + 2).to_string()
    );
    app.screenshot("02-seats-granted").await;
    drop(server);
    app.quit().await;
}
