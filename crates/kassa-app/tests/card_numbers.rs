//! A card number typed into any free-text field of the API is refused as `invalid_input`,
//! and nothing of the attempt is written.

mod common;

use common::Device;
use serde_json::{Value, json};

/// Every table's row count.
fn snapshot(d: &Device) -> Vec<(String, i64)> {
    let c = rusqlite::Connection::open(d.data_dir().join("kassa.db")).unwrap();
    let tables: Vec<String> = c
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    tables
        .into_iter()
        .map(|t| {
            let n = c
                .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
                .unwrap();
            (t, n)
        })
        .collect()
}

#[test]
fn a_card_number_in_a_free_text_field_of_any_command_is_refused_and_nothing_is_written() {
    let d = Device::demo();
    d.sign_in("admin");
    let call = |command: &str, input: Value| kassa_app::dispatch(&d.api, command, input);
    let product = call("product_search", json!({"query": ""})).unwrap()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    call("cart_add", json!({"product_id": product})).unwrap();
    let card = "paid with 4111 1111 1111 1111 12/27";
    let attempts: Vec<(&str, Value)> = vec![
        ("customer_create", json!({"name": card})),
        ("customer_create", json!({"name": "Nia", "notes": card})),
        (
            "customer_create",
            json!({"name": "Nia", "addresses": [{"kind": "billing", "line1": card, "line2": "",
                   "postal_code": "", "city": "", "country": "", "is_primary": true}]}),
        ),
        (
            "product_create",
            json!({"product": {"sku": "NEW-1", "name": card, "price_minor": 100}}),
        ),
        (
            "product_create",
            json!({"product": {"sku": "NEW-1", "name": "Scarf", "description": card,
                   "price_minor": 100}}),
        ),
        ("category_create", json!({"name": card})),
        ("location_create", json!({"name": card})),
        (
            "stock_adjust",
            json!({"product_id": product, "delta": 1, "reason": card}),
        ),
        ("cart_park", json!({"name": card})),
        (
            "settings_set",
            json!({"key": "receipt.footer", "value": card}),
        ),
    ];
    for (command, input) in attempts {
        let before = snapshot(&d);
        let e = call(command, input.clone()).expect_err(&format!("{command} {input}"));
        assert_eq!(e.code, "invalid_input", "{command}: {e:?}");
        assert!(
            e.message.contains("card number"),
            "{command}: {}",
            e.message
        );
        assert_eq!(snapshot(&d), before, "{command} {input} wrote something");
    }
}
