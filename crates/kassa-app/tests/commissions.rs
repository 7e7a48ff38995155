//! Commissions through the app API: a manager sets a cashier's sales rate (a cashier may not),
//! the cashier's sale earns at it, the cashier reads their own statement but not a
//! colleague's, and the manager reads everyone's totals and exports the statement.

mod common;

use common::Device;
use kassa_app::dto::*;

#[test]
fn a_manager_sets_a_rate_and_the_cashier_reads_their_own_statement_but_no_one_elses() {
    let d = Device::demo();
    let cashier_email = d.person("cashier").email.clone();
    let manager_email = d.person("manager").email.clone();

    d.sign_in("cashier");
    let e = d
        .api
        .commission_rate_set(CommissionRateSetInput {
            kind: "seller".into(),
            subject: Some(cashier_email.clone()),
            rate_bp: Some(500),
        })
        .unwrap_err();
    assert_eq!(e.code, "forbidden");

    d.sign_in("manager");
    let e = d
        .api
        .commission_rate_set(CommissionRateSetInput {
            kind: "seller".into(),
            subject: Some(cashier_email.clone()),
            rate_bp: Some(10_001),
        })
        .unwrap_err();
    assert_eq!(e.code, "invalid_input");
    let rates = d
        .api
        .commission_rate_set(CommissionRateSetInput {
            kind: "seller".into(),
            subject: Some(cashier_email.clone()),
            rate_bp: Some(500),
        })
        .unwrap();
    // Beside the demo agent's own 5 %.
    let set: Vec<(&str, &str, u32)> = rates
        .rates
        .iter()
        .map(|r| (r.kind.as_str(), r.name.as_str(), r.rate_bp))
        .collect();
    assert_eq!(
        set,
        vec![
            ("agent", "Aziz Agent", 500),
            ("seller", "Cleo Cashier", 500)
        ]
    );
    // The store's default for agents goes through the settings registry.
    let rates = d
        .api
        .commission_rate_set(CommissionRateSetInput {
            kind: "store".into(),
            subject: None,
            rate_bp: Some(250),
        })
        .unwrap();
    assert_eq!(rates.rates[0].kind, "store");
    assert_eq!(rates.rates[0].rate_bp, 250);

    d.sign_in("cashier");
    let sale = d
        .api
        .sell(SellInput {
            lines: vec![SellLineInput {
                code: "DAI-OAT-1L".into(),
                quantity: 2,
            }],
            tenders: vec![TenderInput {
                kind: "cash".into(),
                amount_minor: 10_000,
                card_brand: None,
                card_last4: None,
                customer_contact: None,
                card_token: None,
                voucher_code: None,
            }],
            customer_id: None,
            idempotency_key: None,
        })
        .unwrap();
    let day = "2026-11-22".to_string();
    let mine = d
        .api
        .commission_statement(CommissionStatementInput {
            staff: None,
            from: day.clone(),
            to: day.clone(),
        })
        .unwrap();
    assert_eq!(mine.entries.len(), 1);
    assert_eq!(mine.entries[0].source_ref, sale.number);
    assert_eq!(mine.entries[0].base_minor, sale.total_minor);
    let expected = (sale.total_minor * 500 + 5_000) / 10_000;
    assert_eq!(mine.net_minor, expected);
    let e = d
        .api
        .commission_statement(CommissionStatementInput {
            staff: Some(manager_email),
            from: day.clone(),
            to: day.clone(),
        })
        .unwrap_err();
    assert_eq!(e.code, "forbidden");

    d.sign_in("manager");
    let all = d
        .api
        .report_commissions(PeriodReportInput {
            from: day.clone(),
            to: day.clone(),
        })
        .unwrap();
    assert_eq!(all.people.len(), 1);
    assert_eq!(all.net_minor, expected);
    let csv = d
        .api
        .commission_export(CommissionExportInput {
            language: None,
            staff: Some(cashier_email),
            from: day.clone(),
            to: day,
            format: "csv".into(),
        })
        .unwrap();
    assert_eq!(csv.rows, 1);
    let text = csv.csv.unwrap();
    assert!(text.contains(&sale.number), "{text}");
}

#[test]
fn a_trips_own_rate_shows_on_the_trip_and_clearing_it_falls_back_to_the_agents() {
    let d = Device::demo();
    d.sign_in("manager");
    let trip = d.api.trip_list(NoInput::default()).unwrap().items.remove(0);
    assert_eq!(trip.commission_bp, None);
    d.api
        .commission_rate_set(CommissionRateSetInput {
            kind: "trip".into(),
            subject: Some(trip.code.clone()),
            rate_bp: Some(700),
        })
        .unwrap();
    let shown = d
        .api
        .trip_get(TripIdInput {
            trip: trip.code.clone(),
        })
        .unwrap();
    assert_eq!(shown.commission_bp, Some(700));
    d.api
        .commission_rate_set(CommissionRateSetInput {
            kind: "trip".into(),
            subject: Some(trip.code.clone()),
            rate_bp: None,
        })
        .unwrap();
    let shown = d.api.trip_get(TripIdInput { trip: trip.code }).unwrap();
    assert_eq!(shown.commission_bp, None);
}
