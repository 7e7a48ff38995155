//! Customers as stored: search, duplicates and merging, validation, CSV imports.

mod support;

use kassa_domain::stock::MovementKind;
use kassa_store::catalog::AuditMode;
use kassa_store::customers::{self, Address, CustomerData};
use kassa_store::{ErrorCode, customers::csv as customers_csv};
use support::shop::{Shop, shop};

fn customer(name: &str, email: Option<&str>, phone: Option<&str>) -> CustomerData {
    CustomerData {
        name: name.into(),
        email: email.map(Into::into),
        phone: phone.map(Into::into),
        ..Default::default()
    }
}

#[test]
fn customers_are_found_by_name_email_or_phone_and_duplicates_merge() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let mut jo = customer("Jörg Müller", Some("joerg@example.com"), None);
    jo.addresses = vec![Address {
        kind: "billing".into(),
        line1: "Hauptstr. 1".into(),
        line2: String::new(),
        postal_code: "10115".into(),
        city: "Berlin".into(),
        country: "DE".into(),
        is_primary: false,
    }];
    jo.tags = vec!["regular".into()];
    let keep = s
        .store
        .write(|tx| customers::create(tx, &sid, &admin, &jo, AuditMode::PerProduct))
        .unwrap();
    assert!(
        keep.data.addresses[0].is_primary,
        "the only address is the primary one"
    );
    let mut dup = customer("Joerg Mueller", None, Some("+49 176 1234567"));
    dup.marketing_consent = true;
    dup.tags = vec!["Newsletter".into(), "REGULAR".into()];
    let dup = s
        .store
        .write(|tx| customers::create(tx, &sid, &admin, &dup, AuditMode::PerProduct))
        .unwrap();
    let find = |s: &Shop, q: &str| -> Vec<String> {
        customers::search(s.store.conn(), &sid, q, 10, 0)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect()
    };
    assert_eq!(find(&s, "muller"), std::slice::from_ref(&keep.id));
    assert_eq!(find(&s, "joerg@ex"), std::slice::from_ref(&keep.id));
    assert_eq!(find(&s, "0176 123"), std::slice::from_ref(&dup.id));
    assert_eq!(find(&s, "+49176"), std::slice::from_ref(&dup.id));

    let merged = s
        .store
        .write(|tx| customers::merge(tx, &sid, &admin, &keep.id, &dup.id))
        .unwrap();
    assert_eq!(merged.data.phone.as_deref(), Some("+49 176 1234567"));
    assert_eq!(merged.data.tags, ["regular", "Newsletter"]);
    assert!(
        merged.data.marketing_consent,
        "the later consent decision wins"
    );
    assert_eq!(find(&s, "0176"), std::slice::from_ref(&keep.id));
    assert_eq!(
        customers::resolve(s.store.conn(), &sid, &dup.id).unwrap(),
        keep.id
    );
    assert_eq!(customers::count(s.store.conn(), &sid).unwrap(), 1);
    let e = s
        .store
        .write(|tx| customers::merge(tx, &sid, &admin, &keep.id, &dup.id))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
}

#[test]
fn bad_customer_data_is_refused() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    for d in [
        customer("", None, None),
        customer("A", Some("not-an-email"), None),
        customer("A", None, Some("call me")),
    ] {
        let e = s
            .store
            .write(|tx| customers::create(tx, &sid, &admin, &d, AuditMode::PerProduct))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
    }
    let mut two = customer("A", None, None);
    let a = Address {
        kind: "billing".into(),
        line1: "x".into(),
        line2: String::new(),
        postal_code: String::new(),
        city: String::new(),
        country: String::new(),
        is_primary: true,
    };
    two.addresses = vec![
        a.clone(),
        Address {
            kind: "shipping".into(),
            ..a
        },
    ];
    let e = s
        .store
        .write(|tx| customers::create(tx, &sid, &admin, &two, AuditMode::PerProduct))
        .unwrap_err();
    assert!(e.message.contains("only one address"));
}

#[test]
fn a_customer_csv_with_bad_rows_imports_nothing_and_a_good_one_round_trips() {
    let mut s = shop();
    let (sid, admin) = (s.store_id.clone(), s.admin.clone());
    let bad = "name;email;phone;marketing_consent\nAda;ada@example.com;;ja\n;x@example.com;;\nBob;bob@;;\nCid;;12;\nDee;;;maybe\n";
    let r = s
        .store
        .write(|tx| customers_csv::import(tx, &sid, &admin, bad, false))
        .unwrap();
    assert_eq!(
        r.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        [3, 4, 5, 6]
    );
    assert_eq!(customers::count(s.store.conn(), &sid).unwrap(), 0);
    let good = "name,email,phone,tags,marketing_consent,street,postal_code,city,country\nAda Lovelace,ada@example.com,+44 20 7946 0000,vip|newsletter,yes,1 Main St,N1 9GU,London,GB\n";
    let r = s
        .store
        .write(|tx| customers_csv::import(tx, &sid, &admin, good, false))
        .unwrap();
    assert_eq!((r.created, r.applied), (1, true));
    let (text, n) = customers_csv::export(s.store.conn(), &sid).unwrap();
    assert_eq!(n, 1);
    // The phone number's `+` would start a formula in a spreadsheet: the cell is guarded.
    assert!(text.contains("Ada Lovelace,ada@example.com,'+44 20 7946 0000,vip|newsletter,yes,,1 Main St,N1 9GU,London,GB"), "{text}");
    let r = s
        .store
        .write(|tx| customers_csv::import(tx, &sid, &admin, &text, false))
        .unwrap();
    assert_eq!((r.created, r.updated, r.unchanged), (0, 0, 1));
    let _ = MovementKind::Sale;
}
