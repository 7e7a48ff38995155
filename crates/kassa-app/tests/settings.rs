//! Settings through the app API: who may change them, bounds, audit, and their effect.

mod common;

use common::Device;
use kassa_app::dto::{AuditListInput, NoInput, SettingSetInput, SettingValueDto};

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
