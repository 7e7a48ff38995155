//! Authorisation as a matrix: every role × every command of the app API's command table,
//! against one expected table (a command without a row fails), plus cases that depend on the
//! input (which role is invited). A denied call is `forbidden` and writes nothing.

mod common;

use common::Device;
use common::samples::sample_on;
use kassa_app::dto::*;
use kassa_app::{ApiResult, commands};

/// What each operation needs to run: a colleague to act on and an open invitation.
struct Fixture {
    colleague_id: String,
    invitation_id: String,
}

type Op = fn(&Device, &Fixture) -> ApiResult<()>;

/// The expected table. Columns: cashier, agent, manager, admin.
const EXPECTED: &[(&str, [bool; 4], Op)] = &[
    ("staff_list", [false, false, true, true], |d, _| {
        d.api.staff_list(NoInput {}).map(|_| ())
    }),
    (
        "staff_invite cashier",
        [false, false, true, true],
        |d, _| {
            d.api
                .staff_invite(StaffInviteInput {
                    email: "new.cashier@example.com".into(),
                    role: "cashier".into(),
                    display_name: None,
                    email_code: None,
                })
                .map(|_| ())
        },
    ),
    ("staff_invite admin", [false, false, false, true], |d, _| {
        d.api
            .staff_invite(StaffInviteInput {
                email: "new.admin@example.com".into(),
                role: "admin".into(),
                display_name: None,
                email_code: None,
            })
            .map(|_| ())
    }),
    ("staff_invite_resend", [false, false, true, true], |d, f| {
        d.api
            .staff_invite_resend(InvitationResendInput {
                invitation_id: f.invitation_id.clone(),
                email_code: None,
            })
            .map(|_| ())
    }),
    ("staff_set_role", [false, false, true, true], |d, f| {
        d.api
            .staff_set_role(StaffRoleInput {
                staff_id: f.colleague_id.clone(),
                role: "cashier".into(),
            })
            .map(|_| ())
    }),
    ("staff_set_active", [false, false, true, true], |d, f| {
        d.api
            .staff_set_active(StaffActiveInput {
                staff_id: f.colleague_id.clone(),
                active: true,
            })
            .map(|_| ())
    }),
    (
        "staff_unlock (no approval)",
        [false, false, true, true],
        |d, f| {
            d.api
                .staff_unlock(StaffUnlockInput {
                    staff_id: Some(f.colleague_id.clone()),
                    email: None,
                    approval: None,
                })
                .map(|_| ())
        },
    ),
    (
        "staff_reset_password",
        [false, false, true, true],
        |d, f| {
            d.api
                .staff_reset_password(StaffRef {
                    staff_id: f.colleague_id.clone(),
                })
                .map(|_| ())
        },
    ),
    ("staff_reenrol", [false, false, true, true], |d, f| {
        d.api
            .staff_reenrol(StaffReenrolInput {
                staff_id: f.colleague_id.clone(),
                email_code: None,
            })
            .map(|_| ())
    }),
    ("staff_invite_revoke", [false, false, true, true], |d, f| {
        d.api
            .staff_invite_revoke(InvitationRef {
                invitation_id: f.invitation_id.clone(),
            })
            .map(|_| ())
    }),
    ("settings_list", [true, true, true, true], |d, _| {
        d.api.settings_list(NoInput {}).map(|_| ())
    }),
    ("settings_set", [false, false, true, true], |d, _| {
        d.api
            .settings_set(SettingSetInput {
                key: "security.idle_lock_minutes".into(),
                value: SettingValueDto::Int(10),
            })
            .map(|_| ())
    }),
    ("audit_list", [false, false, true, true], |d, _| {
        d.api.audit_list(AuditListInput::default()).map(|_| ())
    }),
    ("session_activity", [true, true, true, true], |d, _| {
        d.api.session_activity(NoInput {}).map(|_| ())
    }),
    ("account_backup_codes", [true, true, true, true], |d, _| {
        let role = d.api.app_status(NoInput {}).unwrap().session.unwrap().role;
        let password = d.person(&role).password.clone();
        d.api
            .account_backup_codes(ConfirmPasswordInput {
                current_password: password,
            })
            .map(|_| ())
    }),
];

const ROLES: [&str; 4] = ["cashier", "agent", "manager", "admin"];

fn fixture(d: &Device) -> Fixture {
    d.sign_in("admin");
    let issued = d
        .api
        .staff_invite(StaffInviteInput {
            email: "colleague@example.com".into(),
            role: "cashier".into(),
            display_name: None,
            email_code: None,
        })
        .unwrap();
    let enrolment = d
        .api
        .staff_accept(StaffAcceptInput {
            token: issued.token,
            password: "violet kettles hum at dawn".into(),
            display_name: None,
        })
        .unwrap();
    let pending = d
        .api
        .staff_invite(StaffInviteInput {
            email: "pending@example.com".into(),
            role: "agent".into(),
            display_name: None,
            email_code: None,
        })
        .unwrap();
    d.api.logout(NoInput {}).unwrap();
    Fixture {
        colleague_id: enrolment.id,
        invitation_id: pending.invitation.id,
    }
}

#[test]
fn every_role_and_command_matches_the_expected_table() {
    let mut mismatches = Vec::new();
    for (column, role) in ROLES.iter().enumerate() {
        let d = Device::demo();
        let f = fixture(&d);
        d.sign_in(role);
        for (name, row, op) in EXPECTED {
            let before = d.footprint();
            let result = op(&d, &f);
            let allowed = match &result {
                Ok(()) => true,
                Err(e) if e.code == "forbidden" => false,
                Err(e) => panic!("{role} × {name}: unexpected {e}"),
            };
            if allowed != row[column] {
                mismatches.push(format!(
                    "{role} × {name}: allowed={allowed}, expected {}",
                    row[column]
                ));
            }
            if !allowed {
                assert_eq!(
                    d.footprint(),
                    before,
                    "{role} × {name}: a refusal wrote something"
                );
            }
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

/// Columns: cashier, agent, manager, admin.
const EVERYONE: [bool; 4] = [true, true, true, true];
/// Those who open, count and close the drawer.
const DRAWER: [bool; 4] = [true, false, true, true];
const MANAGERS: [bool; 4] = [false, false, true, true];
const ADMINS: [bool; 4] = [false, false, false, true];
/// Travel agents, managers and admins: bookings.
const AGENTS: [bool; 4] = [false, true, true, true];

/// Every command of the command table and who may call it (with the input of
/// `tests/common/samples.rs`, which asks no manager's approval). A denied call is `forbidden`;
/// any other answer (done, or refused for what the input names) passed the permission check.
const MATRIX: &[(&str, [bool; 4])] = &[
    ("app_status", EVERYONE),
    ("setup", EVERYONE),
    ("login", EVERYONE),
    ("logout", EVERYONE),
    ("sync_status", EVERYONE),
    ("sync_pair", ADMINS),
    ("sync_now", EVERYONE),
    ("outbox_summary", EVERYONE),
    ("devices_list", ADMINS),
    ("conflicts_list", MANAGERS),
    ("conflict_resolve", MANAGERS),
    ("emails_list", MANAGERS),
    ("device_revoke", ADMINS),
    ("device_pairing_code", ADMINS),
    ("audit_verify", EVERYONE),
    ("audit_list", MANAGERS),
    ("settings_list", EVERYONE),
    ("settings_set", MANAGERS),
    ("store_get", EVERYONE),
    ("store_update", MANAGERS),
    ("session_lock", EVERYONE),
    ("session_unlock", EVERYONE),
    ("session_activity", EVERYONE),
    ("switch_user", EVERYONE),
    ("staff_list", MANAGERS),
    ("staff_invite", MANAGERS),
    ("staff_invite_resend", MANAGERS),
    ("staff_invite_revoke", MANAGERS),
    ("invitation_check", EVERYONE),
    ("staff_accept", EVERYONE),
    ("staff_set_role", MANAGERS),
    ("staff_set_active", MANAGERS),
    ("staff_unlock", MANAGERS),
    ("staff_reset_password", MANAGERS),
    ("staff_reenrol", MANAGERS),
    ("account_change_password", EVERYONE),
    ("account_set_pin", EVERYONE),
    ("account_backup_codes", EVERYONE),
    ("catalog_meta", EVERYONE),
    ("product_search", EVERYONE),
    ("product_lookup", EVERYONE),
    ("product_get", EVERYONE),
    ("product_create", MANAGERS),
    ("product_update", MANAGERS),
    ("category_create", MANAGERS),
    ("tax_class_create", MANAGERS),
    ("catalog_import", MANAGERS),
    ("catalog_export", MANAGERS),
    ("stock_receive", MANAGERS),
    ("stock_adjust", MANAGERS),
    ("stock_transfer", MANAGERS),
    ("stock_count", MANAGERS),
    ("stock_movements", MANAGERS),
    ("stock_alerts", MANAGERS),
    ("stock_valuation", MANAGERS),
    ("stock_level", EVERYONE),
    ("location_create", MANAGERS),
    ("customer_search", EVERYONE),
    ("customer_get", EVERYONE),
    ("customer_create", EVERYONE),
    ("customer_update", EVERYONE),
    ("customer_merge", EVERYONE),
    ("customer_import", EVERYONE),
    ("customer_export", EVERYONE),
    // A customer's data on request: managers and admins only.
    ("customer_data_export", MANAGERS),
    ("customer_erase", MANAGERS),
    ("cart_get", EVERYONE),
    ("cart_add", EVERYONE),
    ("cart_set_quantity", EVERYONE),
    ("cart_remove_line", EVERYONE),
    ("cart_discount", EVERYONE),
    ("cart_set_customer", EVERYONE),
    ("cart_reprice", EVERYONE),
    ("cart_park", EVERYONE),
    ("cart_parked", EVERYONE),
    ("cart_resume", EVERYONE),
    ("cart_clear", EVERYONE),
    ("sell_favourites", EVERYONE),
    ("checkout", EVERYONE),
    ("sell", EVERYONE),
    ("order_get", EVERYONE),
    ("orders_recent", EVERYONE),
    ("refund", EVERYONE),
    ("void_order", MANAGERS),
    ("order_fulfil", EVERYONE),
    ("reorder", EVERYONE),
    ("receipt", EVERYONE),
    ("receipt_print", EVERYONE),
    ("drawer_open", DRAWER),
    ("receipt_email", EVERYONE),
    ("receipt_emails", EVERYONE),
    ("shift_current", EVERYONE),
    ("shift_open", DRAWER),
    ("shift_cash", DRAWER),
    ("shift_close", DRAWER),
    ("z_report", DRAWER),
    ("z_close", DRAWER),
    ("z_list", DRAWER),
    // Sales reports are for whoever sees the Z report; stock (at cost) and staff for managers.
    ("report_sales", DRAWER),
    ("report_stock", MANAGERS),
    ("report_staff", MANAGERS),
    // Bookings and card reports name customers and money owed: managers.
    ("report_bookings", MANAGERS),
    ("report_cards", MANAGERS),
    ("report_export", DRAWER),
    // Commissions: rates are settings; another person's statement is a report; one's own is
    // anyone's (the sample asks for someone else's).
    ("report_commissions", MANAGERS),
    ("commission_rate_set", MANAGERS),
    ("commission_rates", MANAGERS),
    ("commission_statement", MANAGERS),
    ("commission_export", MANAGERS),
    ("voucher_issue", MANAGERS),
    ("voucher_get", EVERYONE),
    ("cards_pending", MANAGERS),
    ("card_findings", MANAGERS),
    // Trips and departures are the catalog's; booking them is the agents'.
    ("trip_create", MANAGERS),
    ("trip_option_add", MANAGERS),
    ("trip_policy_set", MANAGERS),
    ("booking_policy", AGENTS),
    ("booking_policy_set", MANAGERS),
    ("trip_list", AGENTS),
    ("trip_get", AGENTS),
    ("departure_add", MANAGERS),
    ("departure_set_capacity", MANAGERS),
    ("departure_list", AGENTS),
    ("departure_get", AGENTS),
    ("allotment_list", AGENTS),
    ("allotment_request", AGENTS),
    ("allotment_return", AGENTS),
    ("booking_create", AGENTS),
    ("booking_get", AGENTS),
    ("booking_hold", AGENTS),
    ("booking_pay", AGENTS),
    ("booking_cancel", AGENTS),
    ("booking_amend", AGENTS),
    ("booking_complete", AGENTS),
    ("booking_note", AGENTS),
    ("booking_confirmation", AGENTS),
    ("booking_email", AGENTS),
    ("booking_emails", AGENTS),
    ("booking_remind", AGENTS),
    ("booking_expire", AGENTS),
    ("booking_list", AGENTS),
    ("booking_balances_due", AGENTS),
    ("waitlist_add", AGENTS),
    ("waitlist_list", AGENTS),
    ("waitlist_withdraw", AGENTS),
    ("booking_price", AGENTS),
];

/// Signs `role` in again when the last command ended or locked the session.
fn ready(d: &Device, role: &str) {
    let session = d.api.app_status(NoInput {}).unwrap().session;
    if session.is_none_or(|s| s.locked) {
        d.sign_in(role);
    }
}

#[test]
fn every_command_of_the_table_has_a_row_and_every_role_gets_what_it_says() {
    let table: Vec<&str> = commands::table()
        .into_iter()
        .map(|(name, ..)| name)
        .collect();
    let without_row: Vec<&&str> = table
        .iter()
        .filter(|name| !MATRIX.iter().any(|(n, _)| n == *name))
        .collect();
    assert!(
        without_row.is_empty(),
        "commands without a row in the permission matrix: {without_row:?}"
    );
    let stale: Vec<&str> = MATRIX
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| !table.contains(n))
        .collect();
    assert!(stale.is_empty(), "rows for no command: {stale:?}");

    let mut mismatches = Vec::new();
    for (column, role) in ROLES.iter().enumerate() {
        let d = Device::demo();
        for (name, row) in MATRIX {
            ready(&d, role);
            let input = sample_on(&d, name).unwrap_or_else(|| {
                panic!("no sample input for '{name}' in tests/common/samples.rs")
            });
            let before = d.footprint();
            let allowed = match commands::dispatch(&d.api, name, input) {
                Ok(_) => true,
                Err(e) if e.code == "forbidden" => false,
                Err(e) if e.code == "unauthenticated" || e.code == "session_locked" => {
                    panic!("{role} × {name}: the test lost its session: {e}")
                }
                // Past the permission check, refused for what the input names.
                Err(_) => true,
            };
            if allowed != row[column] {
                mismatches.push(format!(
                    "{role} × {name}: allowed={allowed}, expected {}",
                    row[column]
                ));
            }
            if !allowed {
                assert_eq!(
                    d.footprint(),
                    before,
                    "{role} × {name}: a refusal wrote something"
                );
            }
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
