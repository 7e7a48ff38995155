//! A manager of a travel desk, no server anywhere: books a trip (one booking cancelled with a
//! fee), takes a card payment offline, opens the Bookings and Card payments tabs of Reports,
//! sees the figures the core computes, and exports both as CSV and PDF into the data folder.

use crate::harness::{App, kassa};
use serde_json::{Value, json};

/// Calls the app's own API command, as the UI does.
async fn call(app: &App, command: &str, input: Value) -> Value {
    let out = app
        .driver
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            window.__TAURI_INTERNALS__.invoke("api", { command: arguments[0], input: arguments[1] })
              .then(done, (e) => done({ error: e }));"#,
            vec![json!(command), input],
        )
        .await
        .unwrap_or_else(|e| panic!("{command}: {e}"))
        .json()
        .clone();
    assert!(out.get("error").is_none(), "{command}: {out}");
    out
}

#[tokio::test]
async fn a_manager_reads_the_bookings_and_card_reports_and_exports_them() {
    let app = App::start_with("booking_reports", |data| {
        kassa(data, &["demo"], &[]);
    })
    .await;
    app.el("demo-logins").await;
    app.click("demo-use-manager").await;
    app.click("login-submit").await;
    app.el("main-frame").await;

    // The report's period as the screen first shows it, and what the demo's own bookings
    // bring to it.
    app.click("nav-reports").await;
    app.click("report-tab-bookings").await;
    app.el("bookings-report").await;
    let from = app.attr("bookings-report", "data-from").await;
    let to = app.attr("bookings-report", "data-to").await;
    let demo = call(&app, "report_bookings", json!({"from": from, "to": to})).await;
    let count = |r: &serde_json::Value, path: &[&str]| {
        path.iter()
            .fold(r, |v, k| &v[*k])
            .as_i64()
            .unwrap_or_else(|| panic!("{path:?} in {r}"))
    };
    app.click("nav-bookings").await;
    app.el("bookings-screen").await;

    call(
        &app,
        "trip_create",
        json!({"code": "GARDA", "name": "Lake Garda", "adult_minor": 100_000, "deposit": "30%",
               "balance_due_days": 30, "cancellation_policy": "60:0,30:25%,10:50%,0:100%"}),
    )
    .await;
    // Twenty days from now, by the webview's clock.
    let departs = app
        .driver
        .execute(
            "return new Date(Date.now() + 20 * 86400000).toISOString();",
            Vec::new(),
        )
        .await
        .expect("a date")
        .json()
        .as_str()
        .expect("an ISO date")
        .to_string();
    let dep = call(
        &app,
        "departure_add",
        json!({"trip": "GARDA", "departs_at": departs, "time_zone": "Europe/Berlin", "seats": 12}),
    )
    .await;
    let dep = dep["id"].as_str().expect("departure id").to_string();
    let book = |seats: usize, paid: i64| {
        json!({"departure_id": dep, "hold": true,
               "travellers": (0..seats).map(|i| json!({"full_name": format!("Traveller {i}")})).collect::<Vec<_>>(),
               "payments": [{"kind": "cash", "amount_minor": paid}]})
    };
    call(&app, "booking_create", book(2, 60_000)).await;
    let gone = call(&app, "booking_create", book(1, 30_000)).await;
    call(
        &app,
        "booking_cancel",
        json!({"booking": gone["booking_id"]}),
    )
    .await;
    call(
        &app,
        "sell",
        json!({"lines": [{"code": "DRK-WAT-05", "quantity": 1}],
               "tenders": [{"kind": "card", "amount_minor": 50, "card_brand": "VISA", "card_last4": "4242",
                            "customer_contact": "guest@example.com"},
                           {"kind": "cash", "amount_minor": 100_000}]}),
    )
    .await;

    app.click("nav-reports").await;
    app.click("report-tab-bookings").await;
    app.el("bookings-report").await;
    assert_eq!(app.attr("bookings-report", "data-from").await, from);
    assert_eq!(app.attr("bookings-report", "data-to").await, to);
    let r = call(&app, "report_bookings", json!({"from": from, "to": to})).await;
    // The Lake Garda bookings add exactly theirs to the demo's.
    for (path, added) in [
        (&["bookings"][..], 2),
        (&["value_minor"][..], 300_000),
        (&["cancellation_totals", "count"][..], 1),
    ] {
        assert_eq!(count(&r, path) - count(&demo, path), added, "{path:?}: {r}");
    }
    app.wait_text("bk-value", "€").await;
    assert_eq!(
        app.attr("bk-made", "data-value").await,
        r["bookings"].to_string()
    );
    assert_eq!(
        app.attr("bk-value", "data-value").await,
        r["value_minor"].to_string()
    );
    assert_eq!(
        app.attr("bk-taken", "data-value").await,
        r["money"]["taken_minor"].to_string()
    );
    assert_eq!(
        app.attr("bk-due", "data-value").await,
        r["due_minor"].to_string()
    );
    app.el("bk-cancellations").await;
    // The balance of the booking kept is due.
    app.el("bk-due-table").await;
    app.screenshot("bookings-report").await;

    app.click("export-csv").await;
    let saved = app.wait_text("export-saved", ".csv").await;
    let csv_path = app
        .data_dir
        .join("exports")
        .join(format!("bookings-{from}-{to}.csv"));
    assert!(saved.contains(&csv_path.display().to_string()), "{saved}");
    let csv = std::fs::read_to_string(&csv_path).expect("the CSV was saved");
    assert!(csv.starts_with("section,item,detail,"), "{csv}");
    assert!(csv.contains("cancellation,"), "{csv}");
    app.click("export-pdf").await;
    app.wait_text("export-saved", ".pdf").await;
    let pdf = std::fs::read(
        app.data_dir
            .join("exports")
            .join(format!("bookings-{from}-{to}.pdf")),
    )
    .expect("the PDF was saved");
    assert!(pdf.starts_with(b"%PDF"));

    app.click("report-tab-cards").await;
    app.el("cards-report").await;
    let from = app.attr("cards-report", "data-from").await;
    let to = app.attr("cards-report", "data-to").await;
    let c = call(&app, "report_cards", json!({"from": from, "to": to})).await;
    assert_eq!(c["payments"], 1, "{c}");
    app.wait_text("cd-total", "€").await;
    assert_eq!(app.attr("cd-total", "data-value").await, "50");
    assert_eq!(app.attr("cd-exposure-text", "data-value").await, "50");
    app.wait_text("cd-pending-table", "guest@example.com").await;
    app.screenshot("cards-report").await;
    app.click("export-csv").await;
    app.wait_text("export-saved", ".csv").await;
    let csv = std::fs::read_to_string(
        app.data_dir
            .join("exports")
            .join(format!("cards-{from}-{to}.csv")),
    )
    .expect("the CSV was saved");
    assert!(csv.contains("guest@example.com"), "{csv}");
    app.assert_accessible("cards-report").await;
    app.quit().await;
}
