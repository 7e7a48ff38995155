//! Settings through the app API: who may change them, bounds, audit, and their effect.

mod common;

use common::Device;
use kassa_app::dto::{AuditListInput, NoInput, SettingSetInput, SettingUnitDto, SettingValueDto};

#[test]
fn a_manager_shortens_the_idle_lock_and_it_is_audited_with_before_and_after() {
    let d = Device::demo();
    d.sign_in("manager");
    let s = d
        .api
        .settings_set(SettingSetInput {
            key: "security.idle_lock_minutes".into(),
            value: SettingValueDto::Int(5),
        })
        .unwrap();
    assert_eq!(s.value, SettingValueDto::Int(5));
    let audit = d
        .api
        .audit_list(AuditListInput {
            action_prefix: Some("settings.".into()),
            ..Default::default()
        })
        .unwrap();
    let e = &audit.entries[0];
    assert_eq!(e.action, "settings.changed");
    assert!(
        e.before.as_deref().unwrap().contains("15") && e.after.as_deref().unwrap().contains('5')
    );
    assert!(audit.chain.ok);

    // Six idle minutes now lock the session.
    d.clock.advance(chrono::Duration::minutes(6));
    let err = d.api.settings_list(NoInput {}).unwrap_err();
    assert_eq!(err.code, "session_locked");
}

#[test]
fn a_cashier_may_read_but_not_change_settings() {
    let d = Device::demo();
    d.sign_in("cashier");
    let list = d.api.settings_list(NoInput {}).unwrap();
    assert!(list.settings.iter().all(|s| !s.editable));
    let err = d
        .api
        .settings_set(SettingSetInput {
            key: "security.idle_lock_minutes".into(),
            value: SettingValueDto::Int(5),
        })
        .unwrap_err();
    assert_eq!(err.code, "forbidden");
    let value = list
        .settings
        .iter()
        .find(|s| s.key == "security.idle_lock_minutes")
        .unwrap();
    assert_eq!(value.value, SettingValueDto::Int(15));
}

#[test]
fn out_of_bounds_unknown_and_mistyped_values_are_refused() {
    let d = Device::demo();
    d.sign_in("admin");
    for (key, value) in [
        ("security.idle_lock_minutes", SettingValueDto::Int(60)),
        ("security.idle_lock_minutes", SettingValueDto::Bool(true)),
        ("no.such", SettingValueDto::Int(1)),
    ] {
        let err = d
            .api
            .settings_set(SettingSetInput {
                key: key.into(),
                value,
            })
            .unwrap_err();
        assert_eq!(err.code, "invalid_input", "{key}");
    }
}

#[test]
fn the_demo_store_keeps_its_currency_after_its_sales_while_its_name_changes_audited() {
    use kassa_app::dto::StoreUpdateInput;
    let d = Device::demo();
    d.sign_in("manager");
    let before = d.api.store_get(NoInput {}).unwrap();
    assert!(before.currency_locked, "the demo store holds sales");
    assert!(before.editable);
    let err = d
        .api
        .store_update(StoreUpdateInput {
            currency: Some("CHF".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.code, "currency_locked");
    assert_eq!(
        d.api.store_get(NoInput {}).unwrap().currency,
        before.currency
    );
    // The same currency written again is no change, so not refused.
    let same = d
        .api
        .store_update(StoreUpdateInput {
            name: Some("Demo Shop Mitte".into()),
            currency: Some(before.currency.to_lowercase()),
        })
        .unwrap();
    assert_eq!(same.name, "Demo Shop Mitte");
    let audit = d
        .api
        .audit_list(AuditListInput {
            action_prefix: Some("store.updated".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(audit.entries.len(), 1);
    assert!(
        audit.entries[0]
            .after
            .as_deref()
            .unwrap()
            .contains("Demo Shop Mitte")
    );
    assert_eq!(
        d.api.app_status(NoInput {}).unwrap().store.unwrap().name,
        "Demo Shop Mitte"
    );
}

#[test]
fn settings_come_in_groups_and_the_receipt_language_is_a_choice() {
    let d = Device::demo();
    d.sign_in("admin");
    let list = d.api.settings_list(NoInput {}).unwrap();
    let group_of = |key: &str| {
        list.settings
            .iter()
            .find(|s| s.key == key)
            .map(|s| s.group.clone())
            .unwrap()
    };
    assert_eq!(group_of("sell.cash_rounding_minor"), "payments");
    assert_eq!(group_of("store.address"), "store");
    assert_eq!(group_of("receipt.footer"), "receipts");
    // Money and rates say what they count, so the screen shows 150,00 € and 10 %, not raw units.
    let unit_of = |key: &str| list.settings.iter().find(|s| s.key == key).unwrap().unit;
    assert_eq!(
        unit_of("payments.offline_card_max_minor"),
        Some(SettingUnitDto::Money)
    );
    assert_eq!(
        unit_of("sell.max_discount_bp"),
        Some(SettingUnitDto::BasisPoints)
    );
    assert_eq!(unit_of("security.idle_lock_minutes"), None);
    let lang = list
        .settings
        .iter()
        .find(|s| s.key == "receipt.language")
        .unwrap();
    assert_eq!(
        lang.choices.as_deref(),
        Some(&["en".to_string(), "de".to_string()][..])
    );
    let err = d
        .api
        .settings_set(SettingSetInput {
            key: "receipt.language".into(),
            value: SettingValueDto::Text("fr".into()),
        })
        .unwrap_err();
    assert_eq!(err.code, "invalid_input");
}

/// Every setting's label and every group's heading is in the UI's texts, in English and
/// German (`ui/src/lib/i18n/admin.ts`): a setting added without them fails here.
#[test]
fn every_setting_and_group_has_an_english_and_a_german_label_in_the_ui() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/i18n/admin.ts");
    let text = std::fs::read_to_string(&path).unwrap();
    let (en, de) = text.split_once("export const de").unwrap();
    let mut missing = Vec::new();
    let keys = kassa_app::kassa_domain::settings::SETTINGS
        .iter()
        .map(|s| format!("\"setting.{}\":", s.key))
        .chain(
            kassa_app::kassa_domain::settings::GROUPS
                .iter()
                .map(|g| format!("\"settings.group_{g}\":")),
        );
    for key in keys {
        for (lang, part) in [("en", en), ("de", de)] {
            if !part.contains(&key) {
                missing.push(format!("{lang}: {key}"));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}
