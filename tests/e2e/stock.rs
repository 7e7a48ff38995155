//! Stock in the real app: a manager adds a product with a barcode, receives 10, finds it,
//! adjusts by -2 with a reason, and sees 8 and the movement history.

use crate::harness::{App, kassa};

#[tokio::test]
async fn a_manager_adds_receives_finds_and_adjusts_a_product() {
    let app = App::start_with("stock", |data| {
        kassa(data, &["demo"], &[]);
    })
    .await;
    app.el("demo-logins").await;
    app.click("demo-use-manager").await;
    app.click("login-submit").await;
    app.el("main-frame").await;

    app.click("nav-stock").await;
    app.el("stock-table").await;
    app.wait_text("stock-alerts", "Salted almonds").await;
    app.screenshot("01-stock-list").await;

    app.click("stock-new-product").await;
    app.fill("product-name", "Hazelnut spread 400 g").await;
    app.fill("product-sku", "HAZ-400").await;
    app.fill("product-price", "3.49").await;
    app.fill("product-cost", "2.10").await;
    app.fill("product-barcodes", "4001234567891").await;
    app.screenshot("02-product-editor").await;
    app.click("product-save").await;
    app.wait_text("product-title", "Hazelnut spread 400 g")
        .await;

    app.click("stock-receive").await;
    app.fill("move-qty", "10").await;
    app.click("move-save").await;
    app.wait_text("product-level", "10").await;
    app.click("product-panel-close").await;

    // Found by its barcode, as a scanner types it.
    app.fill("stock-search", "4001234567891").await;
    app.wait_text("stock-table", "Hazelnut spread 400 g").await;
    // The list is filtered once the typing pauses (a debounce), not at every key.
    for _ in 0..100 {
        if app.all_text("stock-table", "tbody tr").await.len() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.all_text("stock-table", "tbody tr").await.len(), 1);
    app.click("stock-open-HAZ-400").await;
    app.wait_text("product-level", "10").await;

    app.click("stock-adjust").await;
    app.fill("move-qty", "-2").await;
    app.fill("move-reason", "Dropped two jars").await;
    app.screenshot("03-adjust-dialog").await;
    app.click("move-save").await;
    app.wait_text("product-level", "8").await;
    let history = app.wait_text("movement-list", "Dropped two jars").await;
    assert!(
        history.contains("-2") && history.contains("+10"),
        "{history}"
    );
    assert!(app.text("stock-level-HAZ-400").await.contains('8'));
    app.screenshot("04-product-history").await;

    app.click("nav-customers").await;
    app.wait_text("customer-table", "Jörg Müller").await;
    app.fill("customer-search", "muller").await;
    app.wait_text("customer-table", "Jörg Müller").await;
    // Filtered once the typing pauses: wait until only his rows are left.
    for _ in 0..100 {
        let rows = app.all_text("customer-table", "tbody tr").await;
        if !rows.is_empty() && rows.iter().all(|r| r.contains("Müller")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.click("customer-open").await;
    app.wait_text("customer-panel", "Jörg Müller").await;
    app.screenshot("05-customers").await;
    app.quit().await;
}
