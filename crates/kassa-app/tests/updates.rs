//! App updates: asked of the store's server, installed only by those who manage devices and
//! never while a sale is open on the till; an install is audited.

mod common;

use common::Device;
use kassa_app::dto::{AuditListInput, CartAddInput, NoInput};

#[test]
fn a_device_that_is_not_paired_has_no_server_to_ask_for_updates() {
    let d = Device::demo();
    assert_eq!(d.api.update_endpoint().unwrap_err().code, "unauthenticated");
    d.sign_in("cashier");
    assert_eq!(d.api.update_endpoint().unwrap_err().code, "not_paired");
}

#[test]
fn an_update_is_installed_by_an_admin_and_never_in_the_middle_of_a_sale() {
    let d = Device::demo();
    d.sign_in("manager");
    assert_eq!(
        d.api
            .update_install_begin("0.1.0", "0.2.0")
            .unwrap_err()
            .code,
        "forbidden"
    );
    d.sign_in("admin");
    d.api
        .cart_add(CartAddInput {
            code: Some("BAK-CROI".into()),
            product_id: None,
            quantity: Some(1),
        })
        .unwrap();
    let refused = d.api.update_install_begin("0.1.0", "0.2.0").unwrap_err();
    assert_eq!(refused.code, "invalid_transition", "{refused:?}");
    assert!(refused.message.contains("sale"), "{refused:?}");
    let audited = |d: &Device| {
        d.api
            .audit_list(AuditListInput {
                action_prefix: Some("app.update".into()),
                ..Default::default()
            })
            .unwrap()
            .entries
    };
    assert!(audited(&d).is_empty(), "a refused install leaves no entry");

    // The basket is parked: nothing is open on the till, so the install may go ahead.
    let cart = d.api.cart_get(NoInput {}).unwrap();
    d.api
        .cart_park(kassa_app::dto::CartParkInput {
            name: Some("Lena".into()),
        })
        .unwrap_or_else(|e| panic!("parking {cart:?}: {e:?}"));
    d.api.update_install_begin("0.1.0", "0.2.0").unwrap();
    let entries = audited(&d);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "app.update_installed");
    assert_eq!(entries[0].after.as_deref(), Some(r#"{"version":"0.2.0"}"#));
}
