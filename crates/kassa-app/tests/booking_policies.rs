//! Booking policies through the app: the store's terms that new trips start from, saved all
//! together or not at all, and a trip's terms changed for bookings made from then on.

mod common;

use common::Device;
use kassa_app::dto::{
    BookingPolicyInput, NoInput, SettingsOutput, TripCreateInput, TripPolicyInput,
};

fn policy_settings(d: &Device) -> Vec<(String, String)> {
    let SettingsOutput { settings } = d.api.settings_list(NoInput {}).unwrap();
    settings
        .into_iter()
        .filter(|s| s.key.starts_with("bookings.policy."))
        .map(|s| (s.key, format!("{:?}", s.value)))
        .collect()
}

#[test]
fn the_store_policy_is_saved_whole_or_not_at_all_and_new_trips_start_from_it() {
    let d = Device::demo();
    d.sign_in("manager");
    let before = d.api.booking_policy(NoInput {}).unwrap();
    let settings_before = policy_settings(&d);
    assert_eq!(settings_before.len(), 4);

    // The last term is wrong: nothing of the four is kept.
    let e = d
        .api
        .booking_policy_set(BookingPolicyInput {
            deposit: "40%".into(),
            balance_due_days: 45,
            cancellation_policy: "30:50%".into(),
            hold_minutes: 120,
        })
        .unwrap_err();
    assert_eq!(e.code, "invalid_input");
    assert_eq!(policy_settings(&d), settings_before);
    let e = d
        .api
        .booking_policy_set(BookingPolicyInput {
            deposit: "40%".into(),
            balance_due_days: 45,
            cancellation_policy: "45:0,0:100%".into(),
            hold_minutes: 0,
        })
        .unwrap_err();
    assert_eq!(e.code, "invalid_input");
    assert_eq!(
        d.api.booking_policy(NoInput {}).unwrap().deposit,
        before.deposit
    );

    let saved = d
        .api
        .booking_policy_set(BookingPolicyInput {
            deposit: "40%".into(),
            balance_due_days: 45,
            cancellation_policy: "45:0, 20:50%, 0:100%".into(),
            hold_minutes: 120,
        })
        .unwrap();
    assert_eq!(saved.deposit, "40%");
    assert_eq!(
        (saved.deposit_kind.as_str(), saved.deposit_value),
        ("percent", 4000)
    );
    assert_eq!(saved.cancellation_policy, "0:100%,20:50%,45:0");
    assert_eq!((saved.balance_due_days, saved.hold_minutes), (45, 120));

    // A trip with no terms of its own takes the store's; one term given overrides only it.
    let trip = d
        .api
        .trip_create(TripCreateInput {
            code: "ALPS".into(),
            name: "Alps by rail".into(),
            adult_minor: 50_000,
            child_minor: None,
            senior_minor: None,
            deposit: None,
            balance_due_days: Some(10),
            cancellation_policy: None,
            hold_minutes: None,
            documents_required: None,
        })
        .unwrap();
    assert_eq!(
        (trip.deposit_kind.as_str(), trip.deposit_value),
        ("percent", 4000)
    );
    assert_eq!(trip.balance_due_days, 10);
    assert_eq!(trip.cancellation_policy, "0:100%,20:50%,45:0");
    assert_eq!(trip.hold_minutes, 120);

    // A cashier may read the policy (agents need it) but not set it.
    d.sign_in("cashier");
    let e = d
        .api
        .booking_policy_set(BookingPolicyInput {
            deposit: "0%".into(),
            balance_due_days: 0,
            cancellation_policy: "0:0".into(),
            hold_minutes: 1,
        })
        .unwrap_err();
    assert_eq!(e.code, "forbidden");
}

#[test]
fn a_trips_terms_change_for_new_bookings_and_can_go_back_to_the_stores() {
    let d = Device::demo();
    d.sign_in("manager");
    let trip = d
        .api
        .trip_create(TripCreateInput {
            code: "ROME".into(),
            name: "Rome in spring".into(),
            adult_minor: 80_000,
            child_minor: None,
            senior_minor: None,
            deposit: Some("5000".into()),
            balance_due_days: Some(60),
            cancellation_policy: Some("0:100%".into()),
            hold_minutes: Some(30),
            documents_required: None,
        })
        .unwrap();
    assert_eq!(
        (trip.deposit_kind.as_str(), trip.deposit_value),
        ("fixed", 5000)
    );

    // Only the fee table changes; the rest stays the trip's.
    let t = d
        .api
        .trip_policy_set(TripPolicyInput {
            trip: "ROME".into(),
            deposit: None,
            balance_due_days: None,
            cancellation_policy: Some("30:20%,0:100%".into()),
            hold_minutes: None,
            store_policy: None,
        })
        .unwrap();
    assert_eq!(t.cancellation_policy, "0:100%,30:20%");
    assert_eq!((t.deposit_kind.as_str(), t.deposit_value), ("fixed", 5000));
    assert_eq!((t.balance_due_days, t.hold_minutes), (60, 30));

    // A bad table is refused and changes nothing.
    let e = d
        .api
        .trip_policy_set(TripPolicyInput {
            trip: "ROME".into(),
            deposit: None,
            balance_due_days: None,
            cancellation_policy: Some("4111111111111111".into()),
            hold_minutes: None,
            store_policy: None,
        })
        .unwrap_err();
    assert_eq!(e.code, "invalid_input");
    assert_eq!(
        d.api
            .trip_get(kassa_app::dto::TripIdInput {
                trip: "ROME".into()
            })
            .unwrap()
            .cancellation_policy,
        "0:100%,30:20%"
    );

    // Back to the store's policy, all four terms.
    let store = d.api.booking_policy(NoInput {}).unwrap();
    let t = d
        .api
        .trip_policy_set(TripPolicyInput {
            trip: trip.id.clone(),
            deposit: None,
            balance_due_days: None,
            cancellation_policy: None,
            hold_minutes: None,
            store_policy: Some(true),
        })
        .unwrap();
    assert_eq!(
        (
            t.deposit_kind.as_str(),
            t.deposit_value,
            t.balance_due_days,
            t.cancellation_policy.as_str(),
            t.hold_minutes
        ),
        (
            store.deposit_kind.as_str(),
            store.deposit_value,
            store.balance_due_days,
            store.cancellation_policy.as_str(),
            store.hold_minutes
        )
    );
    let audit = d
        .api
        .audit_list(kassa_app::dto::AuditListInput {
            action_prefix: Some("trip.policy_changed".into()),
            actor_id: None,
            person_id: None,
            entity: None,
            entity_id: None,
            since: None,
            until: None,
            limit: None,
        })
        .unwrap();
    assert_eq!(audit.entries.len(), 2);
}
