//! Staff identity through the app API: invitations, credentials, lockout and unlock, the
//! lock screen, and a manager's approval given in place.

mod common;

use chrono::Duration;
use common::Device;
use kassa_app::dto::*;

const NEW_PASSWORD: &str = "violet kettles hum at dawn";

fn invite(d: &Device, email: &str, role: &str) -> InvitationIssued {
    d.api
        .staff_invite(StaffInviteInput {
            email: email.into(),
            role: role.into(),
            display_name: Some("Nia New".into()),
            email_code: None,
        })
        .unwrap()
}

fn accept(d: &Device, token: &str) -> Enrolment {
    d.api
        .staff_accept(StaffAcceptInput {
            token: token.into(),
            password: NEW_PASSWORD.into(),
            display_name: None,
        })
        .unwrap()
}

fn audit(d: &Device, prefix: &str) -> Vec<AuditEntryDto> {
    d.api
        .audit_list(AuditListInput {
            action_prefix: Some(prefix.into()),
            ..Default::default()
        })
        .unwrap()
        .entries
}

fn staff_by_email(d: &Device, email: &str) -> StaffDto {
    d.api
        .staff_list(NoInput {})
        .unwrap()
        .staff
        .into_iter()
        .find(|s| s.email == email)
        .unwrap()
}

/// Fails ten sign-ins of `email` so that the account locks.
fn lock_out(d: &Device, email: &str) {
    for _ in 0..10 {
        let _ = d.api.login(LoginInput {
            email: email.into(),
            password: "not the password at all".into(),
            totp_code: Some("000000".into()),
            backup_code: None,
        });
    }
}

#[test]
fn an_invited_cashier_accepts_enrols_and_signs_in_and_the_code_works_once() {
    let d = Device::demo();
    d.sign_in("admin");
    let issued = invite(&d, "nia@example.com", "cashier");
    assert_eq!(issued.invitation.state, "pending");
    assert_eq!(issued.token.replace('-', "").len(), 32, "160-bit code");
    let listed = d.api.staff_list(NoInput {}).unwrap();
    assert_eq!(listed.invitations.len(), 1);

    let check = d
        .api
        .invitation_check(InvitationCodeInput {
            token: issued.token.to_lowercase(),
        })
        .unwrap();
    assert_eq!(
        (check.kind.as_str(), check.role.as_str()),
        ("invite", "cashier")
    );

    let enrolment = accept(&d, &issued.token);
    assert_eq!(enrolment.backup_codes.len(), 10);
    assert_eq!(enrolment.totp_secret.len(), 32);
    assert!(enrolment.qr_svg.contains("<svg"));
    let again = d
        .api
        .staff_accept(StaffAcceptInput {
            token: issued.token.clone(),
            password: NEW_PASSWORD.into(),
            display_name: None,
        })
        .unwrap_err();
    assert_eq!(again.code, "invalid_credentials");
    assert!(again.message.contains("already used"), "{}", again.message);

    let nia = staff_by_email(&d, "nia@example.com");
    assert_eq!(
        (nia.role.as_str(), nia.display_name.as_str()),
        ("cashier", "Nia New")
    );
    assert!(d.api.staff_list(NoInput {}).unwrap().invitations.is_empty());
    let actions: Vec<String> = audit(&d, "").into_iter().map(|e| e.action).collect();
    for a in [
        "staff.invited",
        "staff.invitation_accepted",
        "auth.totp_enrolled",
        "auth.backup_codes_issued",
    ] {
        assert!(actions.contains(&a.to_string()), "{a} in {actions:?}");
    }

    let session = d
        .login("nia@example.com", NEW_PASSWORD, &enrolment.totp_secret)
        .unwrap();
    assert_eq!(session.role, "cashier");
    assert!(!session.locked && !session.must_change_password && !session.has_pin);
}

#[test]
fn a_common_password_is_refused_at_accept_with_its_reason_and_nothing_changes() {
    let d = Device::demo();
    d.sign_in("admin");
    let issued = invite(&d, "nia@example.com", "cashier");
    let before = d.footprint();
    let err = d
        .api
        .staff_accept(StaffAcceptInput {
            token: issued.token.clone(),
            password: "ichliebedich".into(),
            display_name: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "weak_password");
    assert!(
        err.message.contains("most common passwords"),
        "{}",
        err.message
    );
    let err = d
        .api
        .staff_accept(StaffAcceptInput {
            token: issued.token.clone(),
            password: "nia@example.com".into(),
            display_name: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "weak_password", "{}", err.message);
    assert_eq!(d.footprint(), before);
    let listed = d.api.staff_list(NoInput {}).unwrap();
    assert_eq!(listed.invitations[0].state, "pending");
    assert!(listed.staff.iter().all(|s| s.email != "nia@example.com"));
}

#[test]
fn an_expired_code_is_refused_a_resent_one_replaces_it_and_a_revoked_one_is_dead() {
    let d = Device::demo();
    d.sign_in("admin");
    let first = invite(&d, "nia@example.com", "cashier");
    let dup = d
        .api
        .staff_invite(StaffInviteInput {
            email: "NIA@example.com".into(),
            role: "cashier".into(),
            display_name: None,
            email_code: None,
        })
        .unwrap_err();
    assert_eq!(dup.code, "already_exists");

    d.clock.advance(Duration::hours(73));
    let err = d
        .api
        .invitation_check(InvitationCodeInput {
            token: first.token.clone(),
        })
        .unwrap_err();
    assert!(err.message.contains("expired"), "{}", err.message);
    d.sign_in("admin");
    let listed = d.api.staff_list(NoInput {}).unwrap();
    assert_eq!(listed.invitations[0].state, "expired");

    let second = d
        .api
        .staff_invite_resend(InvitationResendInput {
            invitation_id: first.invitation.id.clone(),
            email_code: None,
        })
        .unwrap();
    assert_ne!(second.token, first.token);
    assert!(
        d.api
            .invitation_check(InvitationCodeInput {
                token: first.token.clone()
            })
            .is_err()
    );
    assert!(
        d.api
            .invitation_check(InvitationCodeInput {
                token: second.token.clone()
            })
            .is_ok()
    );

    d.api
        .staff_invite_revoke(InvitationRef {
            invitation_id: first.invitation.id.clone(),
        })
        .unwrap();
    let err = d
        .api
        .staff_accept(StaffAcceptInput {
            token: second.token,
            password: NEW_PASSWORD.into(),
            display_name: None,
        })
        .unwrap_err();
    assert!(err.message.contains("withdrawn"), "{}", err.message);
    let refused = audit(&d, "auth.invitation_refused");
    assert_eq!(
        refused.len(),
        1,
        "the refused redemption is in the audit trail"
    );
}

#[test]
fn a_cashier_calling_manager_only_operations_gets_forbidden_and_nothing_changes() {
    let d = Device::demo();
    d.sign_in("admin");
    let agent = staff_by_email(&d, &d.person("agent").email);
    d.sign_in("cashier");
    let before = d.footprint();
    let attempts: Vec<kassa_app::ApiResult<()>> = vec![
        d.api.staff_list(NoInput {}).map(|_| ()),
        d.api
            .staff_invite(StaffInviteInput {
                email: "x@example.com".into(),
                role: "admin".into(),
                display_name: None,
                email_code: None,
            })
            .map(|_| ()),
        d.api
            .staff_set_role(StaffRoleInput {
                staff_id: agent.id.clone(),
                role: "cashier".into(),
            })
            .map(|_| ()),
        d.api
            .staff_reset_password(StaffRef {
                staff_id: agent.id.clone(),
            })
            .map(|_| ()),
        d.api
            .settings_set(SettingSetInput {
                key: "security.idle_lock_minutes".into(),
                value: SettingValueDto::Int(2),
            })
            .map(|_| ()),
        d.api.audit_list(AuditListInput::default()).map(|_| ()),
    ];
    for (i, r) in attempts.into_iter().enumerate() {
        assert_eq!(r.unwrap_err().code, "forbidden", "attempt {i}");
    }
    assert_eq!(d.footprint(), before, "nothing was written");
}

#[test]
fn a_manager_manages_only_roles_below_their_own_and_nobody_changes_themselves() {
    let d = Device::demo();
    d.sign_in("manager");
    let err = d
        .api
        .staff_invite(StaffInviteInput {
            email: "boss@example.com".into(),
            role: "admin".into(),
            display_name: None,
            email_code: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "forbidden");
    let list = d.api.staff_list(NoInput {}).unwrap();
    assert_eq!(list.assignable_roles, vec!["cashier", "agent"]);
    let admin = list.staff.iter().find(|s| s.role == "admin").unwrap();
    let me = list.staff.iter().find(|s| s.is_me).unwrap();
    assert!(!admin.manageable && !me.manageable);
    for r in [
        d.api
            .staff_reset_password(StaffRef {
                staff_id: admin.id.clone(),
            })
            .map(|_| ()),
        d.api
            .staff_set_role(StaffRoleInput {
                staff_id: me.id.clone(),
                role: "admin".into(),
            })
            .map(|_| ()),
    ] {
        assert_eq!(r.unwrap_err().code, "forbidden");
    }
    let cashier = list.staff.iter().find(|s| s.role == "cashier").unwrap();
    let changed = d
        .api
        .staff_set_role(StaffRoleInput {
            staff_id: cashier.id.clone(),
            role: "agent".into(),
        })
        .unwrap();
    assert_eq!(changed.role, "agent");
    let e = &audit(&d, "staff.role_changed")[0];
    assert!(
        e.before.as_deref().unwrap().contains("cashier")
            && e.after.as_deref().unwrap().contains("agent")
    );
}

#[test]
fn a_cashier_unlocks_a_locked_out_colleague_with_a_managers_approval_in_one_entry_naming_both() {
    let d = Device::demo();
    let agent = d.person("agent").clone();
    let manager = d.person("manager").clone();
    let cashier = d.person("cashier").clone();
    lock_out(&d, &agent.email);
    let err = d
        .login(&agent.email, &agent.password, &agent.totp_secret)
        .unwrap_err();
    assert_eq!(err.code, "account_locked");
    assert!(err.message.contains("until"), "{}", err.message);

    d.sign_in("cashier");
    let unlock = |approval: Option<OverrideCredentials>| {
        d.api.staff_unlock(StaffUnlockInput {
            staff_id: None,
            email: Some(agent.email.clone()),
            approval,
        })
    };
    // Alone, a cashier may not; the message says a manager can approve.
    let err = unlock(None).unwrap_err();
    assert_eq!(err.code, "forbidden");
    assert!(
        err.message.contains("manager's approval"),
        "{}",
        err.message
    );
    // A wrong manager password is refused and counted against the manager's account.
    let err = unlock(Some(OverrideCredentials {
        email: manager.email.clone(),
        password: Some("wrong horse battery staple".into()),
        pin: None,
        totp_code: d.next_code(&manager.totp_secret),
    }))
    .unwrap_err();
    assert_eq!(err.code, "invalid_credentials");
    assert!(err.message.contains("9 attempts left"), "{}", err.message);
    // Another cashier's valid credentials do not make an approval.
    let err = unlock(Some(OverrideCredentials {
        email: cashier.email.clone(),
        password: Some(cashier.password.clone()),
        pin: None,
        totp_code: d.next_code(&cashier.totp_secret),
    }))
    .unwrap_err();
    assert_eq!(err.code, "forbidden", "{}", err.message);
    assert!(unlock(None).is_err(), "still locked");

    let code = d.next_code(&manager.totp_secret);
    let approval = OverrideCredentials {
        email: manager.email.clone(),
        password: Some(manager.password.clone()),
        pin: None,
        totp_code: code,
    };
    let unlocked = unlock(Some(approval.clone())).unwrap();
    assert!(unlocked.locked_until.is_none());
    assert_eq!(unlocked.failed_attempts, 0);
    // The manager's code was used up by the approval.
    let err = unlock(Some(approval)).unwrap_err();
    assert_eq!(err.code, "totp_reused", "{}", err.message);

    d.sign_in("admin");
    let entries = audit(&d, "auth.account_unlocked");
    assert_eq!(entries.len(), 1, "one entry for the approved action");
    let e = &entries[0];
    assert_eq!(e.actor_email.as_deref(), Some(cashier.email.as_str()));
    assert_eq!(e.approver_email.as_deref(), Some(manager.email.as_str()));
    assert_eq!(
        e.entity_id.as_deref(),
        Some(staff_by_email(&d, &agent.email).id.as_str())
    );
    // The agent signs in again.
    assert!(
        d.login(&agent.email, &agent.password, &agent.totp_secret)
            .is_ok()
    );
}

#[test]
fn a_managers_pin_and_code_approve_and_at_the_sign_in_screen_the_manager_unlocks_alone() {
    let d = Device::demo();
    let manager = d.person("manager").clone();
    let cashier = d.person("cashier").clone();
    d.sign_in("manager");
    d.api
        .account_set_pin(SetPinInput {
            current_password: manager.password.clone(),
            pin: "2580".into(),
        })
        .unwrap();
    d.api.logout(NoInput {}).unwrap();

    lock_out(&d, &cashier.email);
    let approval = OverrideCredentials {
        email: manager.email.clone(),
        password: None,
        pin: Some("2580".into()),
        totp_code: d.next_code(&manager.totp_secret),
    };
    let out = d
        .api
        .staff_unlock(StaffUnlockInput {
            staff_id: None,
            email: Some(cashier.email.clone()),
            approval: Some(approval),
        })
        .unwrap();
    assert!(out.locked_until.is_none());
    let err = d
        .api
        .staff_unlock(StaffUnlockInput {
            staff_id: None,
            email: Some(cashier.email.clone()),
            approval: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "unauthenticated");
    d.sign_in("admin");
    let e = &audit(&d, "auth.account_unlocked")[0];
    assert_eq!(e.actor_email.as_deref(), Some(manager.email.as_str()));
    assert_eq!(e.approver_email, None, "the manager acted alone");
}

#[test]
fn the_lock_screen_takes_the_pin_and_five_wrong_pins_end_the_session() {
    let d = Device::demo();
    let cashier = d.person("cashier").clone();
    d.sign_in("cashier");
    let err = d
        .api
        .account_set_pin(SetPinInput {
            current_password: cashier.password.clone(),
            pin: "1234".into(),
        })
        .unwrap_err();
    assert_eq!(err.code, "weak_password");
    let err = d
        .api
        .account_set_pin(SetPinInput {
            current_password: "not my password at all".into(),
            pin: "4711".into(),
        })
        .unwrap_err();
    assert_eq!(err.code, "invalid_credentials");
    d.api
        .account_set_pin(SetPinInput {
            current_password: cashier.password.clone(),
            pin: "4711".into(),
        })
        .unwrap();
    let session_id = d
        .api
        .app_status(NoInput {})
        .unwrap()
        .session
        .unwrap()
        .session_id;

    d.api.session_lock(NoInput {}).unwrap();
    let status = d.api.app_status(NoInput {}).unwrap();
    assert!(
        status.session.as_ref().unwrap().locked,
        "the session is kept, locked"
    );
    assert_eq!(
        d.api.settings_list(NoInput {}).unwrap_err().code,
        "session_locked"
    );
    let pin = |p: &str| {
        d.api.session_unlock(UnlockInput {
            pin: Some(p.into()),
            password: None,
            totp_code: None,
            backup_code: None,
        })
    };
    let err = pin("0815").unwrap_err();
    assert_eq!(err.code, "invalid_credentials");
    assert!(err.message.contains("4 tries left"), "{}", err.message);
    let back = pin("4711").unwrap();
    assert_eq!(
        back.session_id, session_id,
        "the same session, with its work"
    );
    assert!(!back.locked);
    assert!(d.api.settings_list(NoInput {}).is_ok());

    d.api.session_lock(NoInput {}).unwrap();
    for _ in 0..4 {
        assert_eq!(pin("0815").unwrap_err().code, "invalid_credentials");
    }
    let err = pin("0815").unwrap_err();
    assert_eq!(err.code, "unauthenticated", "{}", err.message);
    assert!(d.api.app_status(NoInput {}).unwrap().session.is_none());
    assert!(pin("4711").is_err(), "the right PIN no longer helps");
    d.sign_in("admin");
    assert!(!audit(&d, "auth.pin_set").is_empty());
    assert_eq!(audit(&d, "auth.unlock_failed").len(), 6);
}

#[test]
fn idle_time_locks_the_session_polling_does_not_keep_it_open_and_activity_does() {
    let d = Device::demo();
    let cashier = d.person("cashier").clone();
    d.sign_in("cashier");
    // Activity every few minutes keeps the session open past the idle time.
    for _ in 0..5 {
        d.clock.advance(Duration::minutes(5));
        d.api.session_activity(NoInput {}).unwrap();
    }
    // Polling the status (as the UI does every 15 s) is not use.
    for _ in 0..16 {
        d.clock.advance(Duration::minutes(1));
        d.api.app_status(NoInput {}).unwrap();
    }
    let s = d.api.app_status(NoInput {}).unwrap().session.unwrap();
    assert!(s.locked, "locked, not ended");
    // Without a PIN the password and a fresh code unlock it.
    let err = d
        .api
        .session_unlock(UnlockInput {
            pin: Some("4711".into()),
            password: None,
            totp_code: None,
            backup_code: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "invalid_input", "{}", err.message);
    let code = d.next_code(&cashier.totp_secret);
    let back = d
        .api
        .session_unlock(UnlockInput {
            pin: None,
            password: Some(cashier.password.clone()),
            totp_code: Some(code),
            backup_code: None,
        })
        .unwrap();
    assert_eq!(back.session_id, s.session_id);
    // Signing out from a locked session works without the PIN, and keeps unsynced changes.
    d.api.session_lock(NoInput {}).unwrap();
    let (pending, _) = d.footprint();
    d.api.switch_user(NoInput {}).unwrap();
    assert!(d.api.app_status(NoInput {}).unwrap().session.is_none());
    assert!(
        d.footprint().0 >= pending,
        "logging out never drops unsynced changes"
    );
}

#[test]
fn an_admin_reset_forces_a_new_password_at_the_next_sign_in() {
    let d = Device::demo();
    let cashier = d.person("cashier").clone();
    d.sign_in("admin");
    let id = staff_by_email(&d, &cashier.email).id;
    let reset = d
        .api
        .staff_reset_password(StaffRef { staff_id: id })
        .unwrap();
    assert!(reset.staff.must_change_password);
    let temporary = reset.temporary_password.clone();
    assert!(
        d.login(&cashier.email, &cashier.password, &cashier.totp_secret)
            .is_err()
    );
    let s = d
        .login(&cashier.email, &temporary, &cashier.totp_secret)
        .unwrap();
    assert!(s.must_change_password);
    let err = d
        .api
        .account_set_pin(SetPinInput {
            current_password: temporary.clone(),
            pin: "4711".into(),
        })
        .unwrap_err();
    assert!(err.message.contains("change it"), "{}", err.message);
    let same = d
        .api
        .account_change_password(ChangePasswordInput {
            current_password: temporary.clone(),
            new_password: temporary.clone(),
        })
        .unwrap_err();
    assert_eq!(same.code, "weak_password");
    d.api
        .account_change_password(ChangePasswordInput {
            current_password: temporary,
            new_password: NEW_PASSWORD.into(),
        })
        .unwrap();
    assert!(
        !d.api
            .app_status(NoInput {})
            .unwrap()
            .session
            .unwrap()
            .must_change_password
    );
    d.api
        .account_set_pin(SetPinInput {
            current_password: NEW_PASSWORD.into(),
            pin: "4711".into(),
        })
        .unwrap();
}

#[test]
fn backup_codes_work_once_and_a_new_set_retires_the_old_one() {
    let d = Device::demo();
    let admin = d.person("admin").clone();
    d.sign_in("admin");
    let codes = d
        .api
        .account_backup_codes(ConfirmPasswordInput {
            current_password: admin.password.clone(),
        })
        .unwrap()
        .backup_codes;
    assert_eq!(codes.len(), 10);
    let with_backup = |code: &str| {
        d.api.login(LoginInput {
            email: admin.email.clone(),
            password: admin.password.clone(),
            totp_code: None,
            backup_code: Some(code.into()),
        })
    };
    let s = with_backup(&codes[0]).unwrap();
    assert_eq!(s.backup_codes_left, Some(9));
    assert_eq!(
        with_backup(&codes[0]).unwrap_err().code,
        "invalid_credentials"
    );
    d.sign_in("admin");
    let newer = d
        .api
        .account_backup_codes(ConfirmPasswordInput {
            current_password: admin.password.clone(),
        })
        .unwrap()
        .backup_codes;
    assert_eq!(
        with_backup(&codes[1]).unwrap_err().code,
        "invalid_credentials",
        "old set retired"
    );
    assert_eq!(with_backup(&newer[1]).unwrap().backup_codes_left, Some(9));
    assert_eq!(audit(&d, "auth.backup_codes_regenerated").len(), 2);
}

#[test]
fn a_lost_authenticator_is_replaced_through_a_code_and_the_current_password() {
    let d = Device::demo();
    let agent = d.person("agent").clone();
    d.sign_in("admin");
    let id = staff_by_email(&d, &agent.email).id;
    let issued = d
        .api
        .staff_reenrol(StaffReenrolInput {
            staff_id: id.clone(),
            email_code: None,
        })
        .unwrap();
    assert_eq!(issued.invitation.kind, "reenrol");
    assert!(!staff_by_email(&d, &agent.email).totp_enrolled);
    let err = d
        .login(&agent.email, &agent.password, &agent.totp_secret)
        .unwrap_err();
    assert_eq!(
        err.code, "unauthenticated",
        "the old authenticator stopped working"
    );

    let wrong = d
        .api
        .staff_accept(StaffAcceptInput {
            token: issued.token.clone(),
            password: "not the right one".into(),
            display_name: None,
        })
        .unwrap_err();
    assert_eq!(wrong.code, "invalid_credentials");
    let enrolment = d
        .api
        .staff_accept(StaffAcceptInput {
            token: issued.token.clone(),
            password: agent.password.clone(),
            display_name: None,
        })
        .unwrap();
    assert_ne!(enrolment.totp_secret, agent.totp_secret);
    assert!(
        d.login(&agent.email, &agent.password, &enrolment.totp_secret)
            .is_ok()
    );
}

#[test]
fn suspending_ends_the_persons_session_and_refuses_their_sign_in() {
    let d = Device::demo();
    let cashier = d.person("cashier").clone();
    d.sign_in("admin");
    let id = staff_by_email(&d, &cashier.email).id;
    let out = d
        .api
        .staff_set_active(StaffActiveInput {
            staff_id: id.clone(),
            active: false,
        })
        .unwrap();
    assert_eq!(out.status, "suspended");
    let err = d
        .login(&cashier.email, &cashier.password, &cashier.totp_secret)
        .unwrap_err();
    assert_eq!(err.code, "forbidden");
    assert!(err.message.contains("suspended"), "{}", err.message);
    d.sign_in("admin");
    d.api
        .staff_set_active(StaffActiveInput {
            staff_id: id,
            active: true,
        })
        .unwrap();
    assert!(
        d.login(&cashier.email, &cashier.password, &cashier.totp_secret)
            .is_ok()
    );
}

#[test]
fn the_audit_list_filters_by_person_and_time() {
    let d = Device::demo();
    d.sign_in("cashier");
    let t0 = kassa_app::Clock::now(d.clock.as_ref());
    d.clock.advance(Duration::hours(1));
    d.sign_in("admin");
    let cashier_id = staff_by_email(&d, &d.person("cashier").email).id;
    let mine = d
        .api
        .audit_list(AuditListInput {
            person_id: Some(cashier_id.clone()),
            ..Default::default()
        })
        .unwrap()
        .entries;
    assert!(!mine.is_empty());
    assert!(
        mine.iter()
            .all(|e| e.actor_id.as_deref() == Some(&cashier_id)
                || e.approver_id.as_deref() == Some(&cashier_id))
    );
    let later = d
        .api
        .audit_list(AuditListInput {
            since: Some((t0 + Duration::minutes(30)).to_rfc3339()),
            ..Default::default()
        })
        .unwrap()
        .entries;
    assert!(!later.is_empty());
    let signed_in = |entries: &[AuditEntryDto]| {
        entries.iter().any(|e| {
            e.action == "auth.login_succeeded" && e.actor_id.as_deref() == Some(&cashier_id)
        })
    };
    assert!(signed_in(&mine));
    assert!(
        !signed_in(&later),
        "the cashier's sign-in is older than the window"
    );
}

#[test]
fn bad_input_gets_a_typed_error_and_changes_nothing() {
    let d = Device::demo();
    d.sign_in("admin");
    let cashier = staff_by_email(&d, &d.person("cashier").email);
    let before = d.footprint();
    let cases: Vec<(&str, kassa_app::ApiResult<()>)> = vec![
        (
            "invalid_input",
            d.api
                .staff_invite(StaffInviteInput {
                    email: "not-an-email".into(),
                    role: "cashier".into(),
                    display_name: None,
                    email_code: None,
                })
                .map(|_| ()),
        ),
        (
            "invalid_input",
            d.api
                .staff_invite(StaffInviteInput {
                    email: "x@example.com".into(),
                    role: "owner".into(),
                    display_name: None,
                    email_code: None,
                })
                .map(|_| ()),
        ),
        (
            "invalid_input",
            d.api
                .staff_set_role(StaffRoleInput {
                    staff_id: "'; DROP TABLE staff; --".into(),
                    role: "cashier".into(),
                })
                .map(|_| ()),
        ),
        (
            "not_found",
            d.api
                .staff_reset_password(StaffRef {
                    staff_id: "0190b2a4-0000-7000-8000-000000000000".into(),
                })
                .map(|_| ()),
        ),
        (
            "invalid_input",
            d.api
                .staff_unlock(StaffUnlockInput {
                    staff_id: Some(cashier.id.clone()),
                    email: Some(cashier.email.clone()),
                    approval: None,
                })
                .map(|_| ()),
        ),
        (
            "not_found",
            d.api
                .staff_invite_revoke(InvitationRef {
                    invitation_id: "0190b2a4-0000-7000-8000-000000000000".into(),
                })
                .map(|_| ()),
        ),
        (
            "weak_password",
            d.api
                .account_set_pin(SetPinInput {
                    current_password: d.person("admin").password.clone(),
                    pin: "12a4".into(),
                })
                .map(|_| ()),
        ),
        (
            "invalid_input",
            d.api
                .session_unlock(UnlockInput {
                    pin: Some("4711".into()),
                    password: Some("x".into()),
                    totp_code: None,
                    backup_code: None,
                })
                .map(|_| ()),
        ),
    ];
    for (i, (want, got)) in cases.into_iter().enumerate() {
        let err = got.unwrap_err();
        assert_eq!(err.code, want, "case {i}: {}", err.message);
        assert!(!err.message.is_empty());
    }
    // Unknown fields and wrong types through the shell's dispatcher.
    for input in [
        serde_json::json!({"email": "x@example.com", "role": "cashier", "admin": true}),
        serde_json::json!({"email": 5, "role": "cashier"}),
    ] {
        let err = kassa_app::dispatch(&d.api, "staff_invite", input).unwrap_err();
        assert_eq!(err.code, "invalid_input", "{}", err.message);
    }
    assert_eq!(d.footprint(), before, "no refusal wrote anything");
    // A code that does not exist is refused; the refusal itself is audited, nothing else.
    let err = d
        .api
        .staff_accept(StaffAcceptInput {
            token: "nonsense".into(),
            password: NEW_PASSWORD.into(),
            display_name: None,
        })
        .unwrap_err();
    assert_eq!(err.code, "invalid_credentials");
    assert_eq!(audit(&d, "auth.invitation_refused").len(), 1);
    // The approval must carry one secret and a code.
    d.sign_in("cashier");
    let manager = d.person("manager").clone();
    let err = d
        .api
        .staff_unlock(StaffUnlockInput {
            staff_id: None,
            email: Some(d.person("agent").email.clone()),
            approval: Some(OverrideCredentials {
                email: manager.email.clone(),
                password: Some(manager.password.clone()),
                pin: Some("2580".into()),
                totp_code: "123456".into(),
            }),
        })
        .unwrap_err();
    assert_eq!(err.code, "invalid_input", "{}", err.message);
    d.sign_in("admin");
    assert!(d.api.staff_list(NoInput {}).unwrap().invitations.is_empty());
    assert!(audit(&d, "auth.account_unlocked").is_empty());
}
