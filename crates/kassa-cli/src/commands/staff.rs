//! `kassa staff ...`: invitations, roles, suspensions, lockouts, resets, new authenticators.

use super::{Outcome, to_json};
use crate::cli::{InvitationArg, StaffCommand};
use crate::secrets;
use kassa_app::dto::{
    InvitationCodeInput, InvitationIssued, InvitationRef, InvitationResendInput, NoInput,
    StaffAcceptInput, StaffActiveInput, StaffDto, StaffInviteInput, StaffReenrolInput, StaffRef,
    StaffRoleInput, StaffUnlockInput,
};
use kassa_app::{Api, ApiError};
use serde_json::json;

fn by_email(api: &Api, email: &str) -> Result<StaffDto, ApiError> {
    api.staff_list(NoInput {})?
        .staff
        .into_iter()
        .find(|s| s.email.eq_ignore_ascii_case(email.trim()))
        .ok_or_else(|| ApiError {
            code: "not_found".into(),
            message: format!("nobody with the email {} works here", email.trim()),
            permission: None,
        })
}

/// The open invitation named by id, or by the email it was sent to (the newest still open).
fn invitation_id(api: &Api, a: &InvitationArg) -> Result<String, ApiError> {
    if let Some(id) = &a.invitation {
        return Ok(id.clone());
    }
    let email = a.email.as_deref().unwrap_or_default().trim();
    api.staff_list(NoInput {})?
        .invitations
        .into_iter()
        .filter(|i| i.email.eq_ignore_ascii_case(email))
        .filter(|i| i.state == "pending" || i.state == "expired")
        .max_by(|a, b| a.created_at.cmp(&b.created_at))
        .map(|i| i.id)
        .ok_or_else(|| ApiError {
            code: "not_found".into(),
            message: format!("there is no open invitation for {email}"),
            permission: None,
        })
}

fn issued(out: &InvitationIssued, what: &str) -> Outcome {
    let json = json!({
        "token": out.token, "invitation_id": out.invitation.id, "kind": out.invitation.kind,
        "email": out.invitation.email, "role": out.invitation.role,
        "expires_at": out.invitation.expires_at, "email_id": out.email_id,
    });
    let mut human = format!(
        "{what} for {} ({}). Pass on this one-time code; it is not shown again and works until {}:\n\n  {}\n",
        out.invitation.email, out.invitation.role, out.invitation.expires_at, out.token
    );
    if out.email_id.is_some() {
        human.push_str(&format!(
            "\nThe code is also emailed to {} when this device next syncs (`kassa emails` shows it).\n",
            out.invitation.email
        ));
    }
    Outcome::from_json(json, human)
}

fn staff_line(s: &StaffDto) -> String {
    let mut flags = Vec::new();
    if s.status != "active" {
        flags.push(s.status.clone());
    }
    if let Some(until) = &s.locked_until {
        flags.push(format!("locked until {until}"));
    }
    if !s.totp_enrolled {
        flags.push("no authenticator".into());
    }
    if s.must_change_password {
        flags.push("must change password".into());
    }
    format!(
        "{:8} {:30} {}{}",
        s.role,
        s.email,
        s.display_name,
        if flags.is_empty() {
            String::new()
        } else {
            format!("  [{}]", flags.join(", "))
        }
    )
}

pub fn run(api: &Api, cmd: &StaffCommand) -> Result<Outcome, ApiError> {
    match cmd {
        StaffCommand::List => {
            let out = api.staff_list(NoInput {})?;
            let mut human: String = out.staff.iter().map(|s| staff_line(s) + "\n").collect();
            for i in &out.invitations {
                human.push_str(&format!(
                    "{:8} {:30} {} ({}, until {}) id {}\n",
                    i.role, i.email, i.kind, i.state, i.expires_at, i.id
                ));
            }
            Ok(Outcome::new(&out, human))
        }
        StaffCommand::Invite {
            email,
            role,
            name,
            send_email,
        } => {
            let out = api.staff_invite(StaffInviteInput {
                email: email.clone(),
                role: role.clone(),
                display_name: name.clone(),
                email_code: Some(*send_email),
            })?;
            Ok(issued(&out, "Invitation"))
        }
        StaffCommand::Accept { token, name } => {
            if token.is_some() {
                return Err(ApiError {
                    code: "invalid_input".into(),
                    message: "a one-time code is never passed as an argument (other users of \
                              this machine can read arguments): set KASSA_INVITE_TOKEN instead"
                        .into(),
                    permission: None,
                });
            }
            let token = secrets::named(
                "KASSA_INVITE_TOKEN",
                "the one-time code",
                "One-time code (as given to you): ",
            )?;
            let what = api.invitation_check(InvitationCodeInput {
                token: token.clone(),
            })?;
            let password = if what.kind == "reenrol" {
                secrets::password()?
            } else {
                secrets::new_password()?
            };
            let out = api.staff_accept(StaffAcceptInput {
                token,
                password,
                display_name: name.clone(),
            })?;
            let mut json = to_json(&out);
            if let Some(o) = json.as_object_mut() {
                o.remove("qr_svg");
                o.insert("kind".into(), json!(what.kind));
            }
            let human = format!(
                "Welcome to {}, {}.\n\nAdd this account to an authenticator app by scanning\n\n{}\nor typing the secret {}\n\n\
                 Backup codes (each works once; write them down and keep them safe):\n  {}\n",
                what.store_name,
                out.email,
                super::setup::terminal_qr(&out.otpauth_uri),
                out.totp_secret,
                out.backup_codes.join("\n  ")
            );
            Ok(Outcome::from_json(json, human))
        }
        StaffCommand::Resend { which, send_email } => {
            let out = api.staff_invite_resend(InvitationResendInput {
                invitation_id: invitation_id(api, which)?,
                email_code: Some(*send_email),
            })?;
            Ok(issued(&out, "New code"))
        }
        StaffCommand::Revoke(a) => {
            let out = api.staff_invite_revoke(InvitationRef {
                invitation_id: invitation_id(api, a)?,
            })?;
            let human = format!("Invitation for {} withdrawn.", out.email);
            Ok(Outcome::new(&out, human))
        }
        StaffCommand::Role { email, role } => {
            let who = by_email(api, email)?;
            let out = api.staff_set_role(StaffRoleInput {
                staff_id: who.id,
                role: role.clone(),
            })?;
            Ok(Outcome::new(&out, staff_line(&out)))
        }
        StaffCommand::Suspend(a) | StaffCommand::Reactivate(a) => {
            let who = by_email(api, &a.email)?;
            let out = api.staff_set_active(StaffActiveInput {
                staff_id: who.id,
                active: matches!(cmd, StaffCommand::Reactivate(_)),
            })?;
            Ok(Outcome::new(&out, staff_line(&out)))
        }
        StaffCommand::Unlock(a) => {
            let out = api.staff_unlock(StaffUnlockInput {
                staff_id: None,
                email: Some(a.email.clone()),
                approval: secrets::approval()?,
            })?;
            Ok(Outcome::new(&out, format!("Unlocked {}.", out.email)))
        }
        StaffCommand::ResetPassword(a) => {
            let who = by_email(api, &a.email)?;
            let out = api.staff_reset_password(StaffRef { staff_id: who.id })?;
            let human = format!(
                "Temporary password for {} (must be changed at the next sign-in; not shown again):\n\n  {}\n",
                out.staff.email, out.temporary_password
            );
            Ok(Outcome::new(&out, human))
        }
        StaffCommand::Reenrol { email, send_email } => {
            let who = by_email(api, email)?;
            let out = api.staff_reenrol(StaffReenrolInput {
                staff_id: who.id,
                email_code: Some(*send_email),
            })?;
            Ok(issued(&out, "New-authenticator code"))
        }
    }
}
