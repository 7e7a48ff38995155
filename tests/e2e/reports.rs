//! A manager on the train, no server anywhere: opens Reports on the demo store, picks last
//! week, sees the chart and the totals the core computes, and exports CSV and PDF into the
//! data folder.

use crate::harness::{App, kassa};
use serde_json::{Value, json};

/// Parses a money cell of the CSV ("123.45", "-0.50") into minor units.
fn minor(cell: &str) -> i64 {
    let negative = cell.starts_with('-');
    let (whole, frac) = cell
        .trim_start_matches('-')
        .split_once('.')
        .unwrap_or((cell, "0"));
    let v = whole.parse::<i64>().expect("whole units") * 100
        + format!("{frac:0<2}")[..2].parse::<i64>().expect("cents");
    if negative { -v } else { v }
}

#[tokio::test]
async fn a_manager_reads_last_weeks_sales_offline_and_exports_them() {
    let app = App::start_with("reports", |data| {
        kassa(data, &["demo"], &[]);
    })
    .await;
    app.el("demo-logins").await;
    app.click("demo-use-manager").await;
    app.click("login-submit").await;
    app.el("main-frame").await;

    app.click("nav-reports").await;
    app.el("sales-report").await;
    app.click("preset-last_week").await;
    let from = app.attr("report-period", "data-from").await;
    let to = app.attr("report-period", "data-to").await;
    app.el("report-chart").await;
    app.el("report-table").await;

    // The figures the core gives for that week, asked through the app's own command.
    let report = app
        .driver
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            window.__TAURI_INTERNALS__.invoke("api", { command: "report_sales", input: { from: arguments[0], to: arguments[1], by: "day", with_cost: true } })
              .then(done, (e) => done({ error: e }));"#,
            vec![json!(from), json!(to)],
        )
        .await
        .expect("report_sales")
        .json()
        .clone();
    assert!(report.get("error").is_none(), "{report}");
    let totals: &Value = &report["totals"];
    assert!(
        totals["orders"].as_i64().unwrap_or(0) >= 25,
        "last week had sales: {totals}"
    );
    assert_eq!(
        report["rows"].as_array().map(Vec::len),
        Some(7),
        "a row per day: {report}"
    );

    // The tiles and the table's total show the same figures, formatted as money.
    let net = totals["net_minor"].as_i64().expect("net");
    let gross = totals["gross_minor"].as_i64().expect("gross");
    app.wait_text("kpi-net-value", "€").await;
    assert_eq!(
        app.attr("kpi-net-value", "data-value").await,
        net.to_string()
    );
    assert_eq!(
        app.attr("kpi-gross-value", "data-value").await,
        gross.to_string()
    );
    assert_eq!(
        app.attr("report-total-net", "data-value").await,
        net.to_string()
    );
    let cents = format!("{:02}", net.abs() % 100);
    let shown = app.text("kpi-net-value").await;
    assert!(
        shown.ends_with(&cents) && shown.contains(&(net / 100 % 10).to_string()),
        "{shown} for {net}"
    );
    assert_eq!(
        app.text("kpi-orders-value").await,
        totals["orders"].as_i64().unwrap_or(0).to_string()
    );
    assert!(app.text("report-basis").await.contains("never synced"));
    // The chart is drawn on its canvas.
    let drawn = app
        .driver
        .execute(
            r#"const c = document.querySelector("[data-testid='report-chart'] canvas");
            const x = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
            let ink = 0; for (let i = 3; i < x.length; i += 4) if (x[i] > 0) ink++;
            return [c.clientWidth, c.clientHeight, ink];"#,
            Vec::new(),
        )
        .await
        .expect("read the chart")
        .json()
        .clone();
    assert!(
        drawn[0].as_f64() > Some(600.0) && drawn[2].as_f64() > Some(1000.0),
        "chart [w, h, inked pixels] = {drawn}"
    );
    app.screenshot("reports-last-week").await;

    // Exports land in the data folder, and the screen says where.
    app.click("export-csv").await;
    let saved = app.wait_text("export-saved", ".csv").await;
    let csv_path = app
        .data_dir
        .join("exports")
        .join(format!("sales-by-day-{from}-{to}.csv"));
    assert!(saved.contains(&csv_path.display().to_string()), "{saved}");
    let csv = std::fs::read_to_string(&csv_path).expect("the CSV was saved");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let net_col = header
        .iter()
        .position(|h| *h == "net")
        .expect("a net column");
    let csv_net: i64 = lines
        .map(|l| minor(l.split(',').nth(net_col).expect("net cell")))
        .sum();
    assert_eq!(csv_net, net, "the CSV's net adds up to the report's");

    app.click("export-pdf").await;
    app.wait_text("export-saved", ".pdf").await;
    let pdf = std::fs::read(
        app.data_dir
            .join("exports")
            .join(format!("sales-by-day-{from}-{to}.pdf")),
    )
    .expect("the PDF was saved");
    assert!(pdf.starts_with(b"%PDF"));
    app.screenshot("reports-exported").await;

    // The other tabs open too.
    app.click("report-tab-stock").await;
    app.el("stock-value").await;
    app.click("report-tab-staff").await;
    app.el("staff-report").await;
    app.screenshot("reports-staff").await;
    app.quit().await;
}
