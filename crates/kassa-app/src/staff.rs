//! Admin → Staff through the API: the list, invitations, roles, suspension, lockouts, password
//! resets and new authenticators. Who may manage whom is the domain's rule (`may_manage`).

use crate::approval::approved;
use crate::dto::{
    Enrolment, InvitationCheckOutput, InvitationCodeInput, InvitationDto, InvitationIssued,
    InvitationRef, InvitationResendInput, NoInput, StaffAcceptInput, StaffActiveInput, StaffDto,
    StaffInviteInput, StaffListOutput, StaffReenrolInput, StaffRef, StaffRoleInput,
    StaffUnlockInput, TemporaryPassword,
};
use crate::session::Active;
use crate::{Api, ApiError, ApiResult};
use chrono::{DateTime, Utc};
use kassa_domain::ErrorCode;
use kassa_domain::role::{Permission, Role, may_manage, require_may_manage};
use kassa_store::identity::invitation::{self, Invitation};
use kassa_store::identity::staff::{self, Staff, StaffStatus};
use kassa_store::selling::invitation_email;
use kassa_store::{AuditInput, DeviceKey, foundation::device, identity::credentials, ts};

fn staff_dto(
    store: &kassa_store::Store,
    s: &Staff,
    me: Option<&Active>,
    now: DateTime<Utc>,
) -> ApiResult<StaffDto> {
    let is_me = me.is_some_and(|m| m.staff_id == s.id);
    Ok(StaffDto {
        id: s.id.clone(),
        email: s.email.clone(),
        display_name: s.display_name.clone(),
        role: s.role.as_str().to_string(),
        status: match s.status {
            StaffStatus::Active => "active",
            StaffStatus::Disabled => "suspended",
            StaffStatus::Invited => "invited",
        }
        .to_string(),
        locked_until: s.locked_until.filter(|u| *u > now).map(ts),
        failed_attempts: s.failed_attempts,
        totp_enrolled: s.totp_secret_enc.is_some(),
        backup_codes_left: staff::backup_codes_left(store.conn(), &s.id)?,
        has_pin: s.pin_hash.is_some(),
        must_change_password: s.must_change_password,
        manageable: me.is_some_and(|m| !is_me && may_manage(m.role, s.role)),
        is_me,
    })
}

fn invitation_dto(i: &Invitation, me: &Active, now: DateTime<Utc>) -> InvitationDto {
    InvitationDto {
        id: i.id.clone(),
        kind: i.kind.as_str().to_string(),
        email: i.email.clone(),
        display_name: i.display_name.clone(),
        role: i.role.as_str().to_string(),
        state: i.state(now).as_str().to_string(),
        expires_at: ts(i.expires_at),
        created_at: i.created_at.clone(),
        manageable: may_manage(me.role, i.role),
    }
}

fn parse_role(role: &str) -> ApiResult<Role> {
    Ok(Role::parse(role)?)
}

fn parse_id(id: &str, what: &str) -> ApiResult<String> {
    Ok(kassa_store::foundation::ids::parse_id(id, what)?)
}

impl Api {
    fn now(&self) -> DateTime<Utc> {
        self.store().clock().now()
    }

    /// The staff member `staff_id`, if `me` may manage them (not themselves, not above them).
    fn manageable(&self, me: &Active, staff_id: &str) -> ApiResult<Staff> {
        let id = parse_id(staff_id, "staff")?;
        let member = staff::get(self.store().conn(), &id)?;
        if member.id == me.staff_id {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "you cannot change your own account here; use My account",
            ));
        }
        require_may_manage(me.role, member.role)?;
        Ok(member)
    }

    fn staff_out(&self, me: Option<&Active>, id: &str) -> ApiResult<StaffDto> {
        let now = self.now();
        let store = self.store();
        let member = staff::get(store.conn(), id)?;
        staff_dto(&store, &member, me, now)
    }

    /// Everyone on the staff and the open invitations.
    pub fn staff_list(&self, _: NoInput) -> ApiResult<StaffListOutput> {
        let me = self.require(Permission::ManageStaff)?;
        let now = self.now();
        let store = self.store();
        let staff = staff::list(store.conn())?
            .iter()
            .map(|s| staff_dto(&store, s, Some(&me), now))
            .collect::<ApiResult<Vec<_>>>()?;
        let invitations = invitation::list_open(store.conn())?
            .iter()
            .map(|i| invitation_dto(i, &me, now))
            .collect();
        Ok(StaffListOutput {
            staff,
            invitations,
            assignable_roles: Role::ALL
                .into_iter()
                .filter(|r| may_manage(me.role, *r))
                .map(|r| r.as_str().to_string())
                .collect(),
        })
    }

    /// The device key, when the code is to be emailed (it seals the code until the server
    /// has it).
    fn email_key(&self, email_code: Option<bool>) -> ApiResult<Option<DeviceKey>> {
        if email_code.unwrap_or(false) {
            Ok(Some(self.store().device_key()?.clone_key()))
        } else {
            Ok(None)
        }
    }

    /// Invites a person by email with a role; the code is shown once to pass on, and with
    /// `email_code` also emailed to them by the server (queued in the same transaction).
    pub fn staff_invite(&self, input: StaffInviteInput) -> ApiResult<InvitationIssued> {
        let me = self.require(Permission::ManageStaff)?;
        let role = parse_role(&input.role)?;
        require_may_manage(me.role, role)?;
        let now = self.now();
        let key = self.email_key(input.email_code)?;
        let (inv, token, email_id) = self.store().write(|tx| {
            let (inv, code) = invitation::invite(
                tx,
                &input.email,
                input.display_name.as_deref(),
                role,
                &me.staff_id,
            )?;
            let email_id = key
                .as_ref()
                .map(|k| invitation_email::queue(tx, k, &inv, &code))
                .transpose()?;
            Ok((inv, code, email_id))
        })?;
        Ok(InvitationIssued {
            invitation: invitation_dto(&inv, &me, now),
            token,
            email_id,
        })
    }

    fn open_invitation(&self, me: &Active, id: &str) -> ApiResult<Invitation> {
        let id = parse_id(id, "invitation")?;
        let inv = invitation::get(self.store().conn(), &id)?;
        require_may_manage(me.role, inv.role)?;
        Ok(inv)
    }

    /// A new code and expiry for an open invitation; the old code stops working.
    pub fn staff_invite_resend(&self, input: InvitationResendInput) -> ApiResult<InvitationIssued> {
        let me = self.require(Permission::ManageStaff)?;
        let inv = self.open_invitation(&me, &input.invitation_id)?;
        let key = self.email_key(input.email_code)?;
        let (inv, token, email_id) = self.store().write(|tx| {
            let (inv, code) = invitation::resend(tx, &inv.id, &me.staff_id)?;
            let email_id = key
                .as_ref()
                .map(|k| invitation_email::queue(tx, k, &inv, &code))
                .transpose()?;
            Ok((inv, code, email_id))
        })?;
        Ok(InvitationIssued {
            invitation: invitation_dto(&inv, &me, self.now()),
            token,
            email_id,
        })
    }

    /// Withdraws an open invitation; its code stops working.
    pub fn staff_invite_revoke(&self, input: InvitationRef) -> ApiResult<InvitationDto> {
        let me = self.require(Permission::ManageStaff)?;
        let inv = self.open_invitation(&me, &input.invitation_id)?;
        let inv = self
            .store()
            .write(|tx| invitation::revoke(tx, &inv.id, &me.staff_id))?;
        Ok(invitation_dto(&inv, &me, self.now()))
    }

    /// What a code is for (needs no session: the person is not signed in yet).
    pub fn invitation_check(&self, input: InvitationCodeInput) -> ApiResult<InvitationCheckOutput> {
        let store = self.store();
        let inv = invitation::check(store.conn(), &input.token, store.clock().now())?;
        let store_name = device::store(store.conn(), &inv.store_id)?.name;
        Ok(InvitationCheckOutput {
            kind: inv.kind.as_str().to_string(),
            email: inv.email,
            display_name: inv.display_name,
            role: inv.role.as_str().to_string(),
            store_name,
            expires_at: ts(inv.expires_at),
        })
    }

    /// Redeems a code: sets the password and enrols an authenticator (invitation), or enrols a
    /// new authenticator after the current password (re-enrolment). The secret, its QR code and
    /// ten backup codes are shown once. Needs no session.
    pub fn staff_accept(&self, input: StaffAcceptInput) -> ApiResult<Enrolment> {
        let accepted = invitation::accept(
            &mut self.store(),
            &input.token,
            &input.password,
            input.display_name.as_deref(),
        )?;
        crate::setup::enrolment(
            &accepted.staff_id,
            &accepted.email,
            &accepted.totp_secret,
            accepted.backup_codes,
        )
    }

    /// Changes a staff member's role (never one's own, never to or from a role above one's own).
    pub fn staff_set_role(&self, input: StaffRoleInput) -> ApiResult<StaffDto> {
        let me = self.require(Permission::ManageStaff)?;
        let member = self.manageable(&me, &input.staff_id)?;
        let role = parse_role(&input.role)?;
        require_may_manage(me.role, role)?;
        if role != member.role {
            self.store()
                .write(|tx| staff::set_role(tx, &member, role, &me.staff_id))?;
        }
        self.staff_out(Some(&me), &member.id)
    }

    /// Suspends or reactivates a staff member; suspension ends their sessions at once.
    pub fn staff_set_active(&self, input: StaffActiveInput) -> ApiResult<StaffDto> {
        let me = self.require(Permission::ManageStaff)?;
        let member = self.manageable(&me, &input.staff_id)?;
        let is_active = member.status == StaffStatus::Active;
        if is_active != input.active {
            self.store()
                .write(|tx| staff::set_active(tx, &member, input.active, &me.staff_id))?;
        }
        self.staff_out(Some(&me), &member.id)
    }

    /// Lifts a lockout. Someone whose role may not (a cashier helping a colleague) adds a
    /// manager's approval, and the one audit entry names both; at the sign-in screen, with
    /// nobody signed in, the approving manager unlocks in place.
    pub fn staff_unlock(&self, input: StaffUnlockInput) -> ApiResult<StaffDto> {
        let target = |store: &kassa_store::Store| -> ApiResult<Staff> {
            match (input.staff_id.as_deref(), input.email.as_deref()) {
                (Some(id), None) => Ok(staff::get(store.conn(), &parse_id(id, "staff")?)?),
                (None, Some(email)) => {
                    staff::find_by_email(store.conn(), email)?.ok_or_else(|| {
                        ApiError::new(
                            ErrorCode::NotFound,
                            format!("nobody with the email {} works here", email.trim()),
                        )
                    })
                }
                _ => Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    "name the person to unlock by staff_id or by email (one of them)",
                )),
            }
        };
        let signed_in = self.session_state(false)?.is_some();
        // The approval's code (or the approver acting alone) is used up with the unlock itself.
        let (actor_id, authority, approver, acting) = if signed_in {
            let me = self.signed_in()?;
            let approver = self.approve(&me, input.approval.as_ref(), Permission::ManageStaff)?;
            let authority = approver.as_ref().map_or(me.role, |a| a.role);
            (me.staff_id, authority, approver, None)
        } else {
            let Some(creds) = input.approval.as_ref() else {
                return Err(ApiError::new(
                    ErrorCode::Unauthenticated,
                    "sign in, or have a manager approve the unlock with their credentials",
                ));
            };
            let approver = self.verify_approval(None, creds, Permission::ManageStaff)?;
            (
                approver.staff_id.clone(),
                approver.role,
                None,
                Some(approver),
            )
        };
        let member = target(&self.store())?;
        if member.id == actor_id {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "you cannot unlock your own account",
            ));
        }
        require_may_manage(authority, member.role)?;
        self.store().write(|tx| {
            if let Some(a) = approver.as_ref().or(acting.as_ref()) {
                kassa_store::identity::approval::consume(tx, a)?;
            }
            let who = approved(
                AuditInput::new("auth.account_unlocked").by(&actor_id),
                approver.as_ref(),
            );
            staff::unlock(tx, &member, who)
        })?;
        let me = self.session_state(false)?.map(|(a, _)| a);
        self.staff_out(me.as_ref(), &member.id)
    }

    /// Resets a staff member's password to a temporary one (shown once) that they must
    /// replace at their next sign-in; also lifts a lockout and ends their sessions.
    pub fn staff_reset_password(&self, input: StaffRef) -> ApiResult<TemporaryPassword> {
        let me = self.require(Permission::ManageStaff)?;
        let member = self.manageable(&me, &input.staff_id)?;
        let temporary = credentials::reset_password(&mut self.store(), &member, &me.staff_id)?;
        Ok(TemporaryPassword {
            staff: self.staff_out(Some(&me), &member.id)?,
            temporary_password: temporary,
        })
    }

    /// Starts a new authenticator for someone who lost theirs: the old one stops working at
    /// once and a one-time code (shown once) lets them enrol a new one with their password.
    pub fn staff_reenrol(&self, input: StaffReenrolInput) -> ApiResult<InvitationIssued> {
        let me = self.require(Permission::ManageStaff)?;
        let member = self.manageable(&me, &input.staff_id)?;
        if member.status != StaffStatus::Active {
            return Err(ApiError::new(
                ErrorCode::InvalidTransition,
                "reactivate the account before giving it a new authenticator",
            ));
        }
        let key = self.email_key(input.email_code)?;
        let (inv, token, email_id) = self.store().write(|tx| {
            let (inv, code) = invitation::start_reenrol(tx, &member, &me.staff_id)?;
            let email_id = key
                .as_ref()
                .map(|k| invitation_email::queue(tx, k, &inv, &code))
                .transpose()?;
            Ok((inv, code, email_id))
        })?;
        Ok(InvitationIssued {
            invitation: invitation_dto(&inv, &me, self.now()),
            token,
            email_id,
        })
    }
}
