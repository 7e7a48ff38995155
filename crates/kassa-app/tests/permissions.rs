//! Authorisation as a matrix: every role × every permission-checked command of the app API,
//! against one expected table. A denied call is `forbidden` and writes nothing.

mod common;

use common::Device;
use kassa_app::ApiResult;
use kassa_app::dto::*;

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
            })
            .map(|_| ())
    }),
    ("staff_invite_resend", [false, false, true, true], |d, f| {
        d.api
            .staff_invite_resend(InvitationRef {
                invitation_id: f.invitation_id.clone(),
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
            .staff_reenrol(StaffRef {
                staff_id: f.colleague_id.clone(),
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
