//! Signing in and out, locking and unlocking, and the permission check every command makes.

use crate::dto::{LoginInput, NoInput, Ok, SessionDto, UnlockInput, UserDto};
use crate::{Api, ApiError, ApiResult, Surface};
use chrono::Duration;
use kassa_domain::policy::IDLE_LOCK_MINUTES;
use kassa_domain::role::{Permission, Role, require};
use kassa_domain::{Error, ErrorCode};
use kassa_store::AuditInput;
use kassa_store::identity::auth::{SecondFactor, Unlock, sign_in, unlock_session};
use kassa_store::identity::session::Session;
use kassa_store::identity::staff::StaffStatus;
use kassa_store::{foundation::device, foundation::settings, identity::session, identity::staff};

/// The signed-in person, as the API keeps them between calls.
#[derive(Debug, Clone)]
pub(crate) struct Active {
    pub session_id: String,
    pub token: String,
    pub staff_id: String,
    pub role: Role,
    pub email: String,
    pub display_name: String,
    /// An admin reset the password: nothing but changing it is allowed until then.
    pub must_change_password: bool,
    pub has_pin: bool,
}

pub(crate) fn user_dto(id: &str, email: &str, name: &str, role: Role) -> UserDto {
    UserDto {
        id: id.to_string(),
        email: email.to_string(),
        display_name: name.to_string(),
        role: role.as_str().to_string(),
        permissions: Permission::ALL
            .into_iter()
            .filter(|p| kassa_domain::role::allows(role, *p))
            .map(|p| p.as_str().to_string())
            .collect(),
    }
}

impl Active {
    pub(crate) fn dto(&self, backup_codes_left: Option<u32>, locked: bool) -> SessionDto {
        SessionDto {
            session_id: self.session_id.clone(),
            user: user_dto(&self.staff_id, &self.email, &self.display_name, self.role),
            role: self.role.as_str().to_string(),
            backup_codes_left,
            locked,
            must_change_password: self.must_change_password,
            has_pin: self.has_pin,
        }
    }
}

/// Touch the session at most this often, so reads do not each cost a write.
const TOUCH_EVERY_SECONDS: i64 = 15;

fn second_factor<'a>(
    totp: Option<&'a str>,
    backup: Option<&'a str>,
) -> ApiResult<SecondFactor<'a>> {
    match (totp, backup) {
        (Some(code), None) if !code.trim().is_empty() => Ok(SecondFactor::Totp(code)),
        (None, Some(code)) if !code.trim().is_empty() => Ok(SecondFactor::BackupCode(code)),
        (Some(_), Some(_)) => Err(ApiError::new(
            ErrorCode::InvalidInput,
            "give either the authenticator code or a backup code, not both",
        )),
        _ => Err(ApiError::new(
            ErrorCode::InvalidInput,
            "the 6-digit authenticator code (or a backup code) is required",
        )),
    }
}

impl Api {
    /// Signs in with a password and a TOTP code or a backup code.
    pub fn login(&self, input: LoginInput) -> ApiResult<SessionDto> {
        let second = second_factor(input.totp_code.as_deref(), input.backup_code.as_deref())?;
        let previous = self.loaded_session()?;
        let mut store = self.store();
        let signed = sign_in(
            &mut store,
            &input.email,
            &input.password,
            second,
            self.surface,
        )?;
        drop(store);
        // A new sign-in replaces this surface's previous session; a failed one leaves it alone.
        if let Some(prev) = previous {
            self.end_active(&prev, "replaced")?;
        }
        let active = Active {
            session_id: signed.session.id,
            token: signed.token,
            staff_id: signed.staff.id,
            role: signed.staff.role,
            email: signed.staff.email,
            display_name: signed.staff.display_name,
            must_change_password: signed.staff.must_change_password,
            has_pin: signed.staff.pin_hash.is_some(),
        };
        let dto = active.dto(signed.backup_codes_left, false);
        self.set_active(Some(active));
        Ok(dto)
    }

    /// Ends the session on this device, locked or not. Unsynced sales stay in the outbox.
    pub fn logout(&self, _: NoInput) -> ApiResult<Ok> {
        let active = self.signed_in_or_locked()?;
        self.end_active(&active, "logout")?;
        self.clear_cart_after(&active, "logout")?;
        Ok(Ok { ok: true })
    }

    /// Ends the session so that someone else can sign in on this device (also from the
    /// lock screen, without the PIN). Unsynced sales stay in the outbox.
    pub fn switch_user(&self, _: NoInput) -> ApiResult<Ok> {
        let active = self.signed_in_or_locked()?;
        self.end_active(&active, "switch_user")?;
        self.clear_cart_after(&active, "switch_user")?;
        Ok(Ok { ok: true })
    }

    /// Empties the till's open cart when the person who rang it up leaves (the UI asked first).
    /// Only the desktop's Sell screen uses the cart; the CLI never touches it.
    fn clear_cart_after(&self, active: &Active, why: &str) -> ApiResult<()> {
        if self.surface != Surface::Desktop {
            return Ok(());
        }
        self.store().write(|tx| {
            let lines = kassa_store::selling::cart::clear_open(tx)?;
            if lines > 0 {
                tx.audit(
                    AuditInput::new("cart.cleared")
                        .by(&active.staff_id)
                        .after(serde_json::json!({"lines": lines, "reason": why})),
                )?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Locks the session now (the person steps away); their PIN or credentials unlock it.
    pub fn session_lock(&self, _: NoInput) -> ApiResult<Ok> {
        let Some((active, s)) = self.session_state(false)? else {
            return Err(nobody());
        };
        if s.locked_at.is_none() {
            self.store().write(|tx| {
                if session::lock(tx, &s.id)? {
                    tx.audit(
                        AuditInput::new("auth.locked")
                            .by(&active.staff_id)
                            .on("session", &s.id)
                            .after(serde_json::json!({"reason": "manual"})),
                    )?;
                }
                Ok(())
            })?;
        }
        Ok(Ok { ok: true })
    }

    /// Unlocks the locked session with the owner's PIN, or with their password and code.
    pub fn session_unlock(&self, input: UnlockInput) -> ApiResult<SessionDto> {
        let how = match (input.pin.as_deref(), input.password.as_deref()) {
            (Some(pin), None) if input.totp_code.is_none() && input.backup_code.is_none() => {
                Unlock::Pin(pin)
            }
            (None, Some(password)) => Unlock::Credentials {
                password,
                second: second_factor(input.totp_code.as_deref(), input.backup_code.as_deref())?,
            },
            _ => {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    "give either the PIN, or the password with the authenticator code",
                ));
            }
        };
        let Some((_, s)) = self.session_state(false)? else {
            return Err(nobody());
        };
        // Checked whether or not the session is locked: a wrong PIN is never "unlocked".
        let result = unlock_session(&mut self.store(), &s, how);
        if let Err(e) = result {
            // A session ended by too many wrong PINs is gone for this process too.
            if e.code == ErrorCode::Unauthenticated || e.code == ErrorCode::AccountLocked {
                self.forget_if_ended(&s.id)?;
            }
            return Err(e.into());
        }
        let active = self.session_before_password_change()?;
        Ok(active.dto(None, false))
    }

    /// Tells the core the person is using the app (keys, clicks), which pushes the idle lock back.
    pub fn session_activity(&self, _: NoInput) -> ApiResult<Ok> {
        self.session_before_password_change()?;
        Ok(Ok { ok: true })
    }

    pub(crate) fn end_active(&self, active: &Active, reason: &str) -> ApiResult<()> {
        let mut store = self.store();
        store.write(|tx| {
            session::end(tx, &active.session_id, reason)?;
            let action = if reason == "logout" {
                "auth.logout"
            } else {
                "auth.session_ended"
            };
            tx.audit(
                AuditInput::new(action)
                    .by(&active.staff_id)
                    .on("session", &active.session_id)
                    .after(serde_json::json!({"reason": reason})),
            )?;
            Ok(())
        })?;
        drop(store);
        self.set_active(None);
        Ok(())
    }

    fn set_active(&self, active: Option<Active>) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = active;
    }

    fn forget_if_ended(&self, session_id: &str) -> ApiResult<()> {
        if session::find_open(self.store().conn(), session_id)?.is_none() {
            self.set_active(None);
        }
        Ok(())
    }

    /// The session in memory, or for the CLI the one kept sealed in the store.
    fn loaded_session(&self) -> ApiResult<Option<Active>> {
        if let Some(a) = self
            .session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            return Ok(Some(a));
        }
        if self.surface != Surface::Cli {
            return Ok(None);
        }
        let store = self.store();
        if !store.is_set_up()? {
            return Ok(None);
        }
        let has_kept: bool = store
            .conn()
            .query_row("SELECT count(*) FROM cli_session", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n > 0)
            .map_err(|e| ApiError::new(ErrorCode::Storage, e.to_string()))?;
        if !has_kept {
            return Ok(None);
        }
        let Some(token) = session::load_cli_token(store.conn(), store.device_key()?)? else {
            return Ok(None);
        };
        let Some(s) = session::find_by_token(store.conn(), &token)? else {
            return Ok(None);
        };
        let member = staff::get(store.conn(), &s.staff_id)?;
        let active = Active {
            session_id: s.id,
            token,
            staff_id: member.id,
            role: member.role,
            email: member.email,
            display_name: member.display_name,
            must_change_password: member.must_change_password,
            has_pin: member.pin_hash.is_some(),
        };
        drop(store);
        self.set_active(Some(active.clone()));
        Ok(Some(active))
    }

    /// The session and its owner as they are now, without counting as use: an ended session
    /// is forgotten, a suspended or locked-out owner's session ends, and a session idle past
    /// the store's idle time locks (its work is kept; the PIN unlocks it).
    pub(crate) fn session_state(&self, touch: bool) -> ApiResult<Option<(Active, Session)>> {
        let Some(mut active) = self.loaded_session()? else {
            return Ok(None);
        };
        let mut store = self.store();
        let Some(s) = session::find_by_token(store.conn(), &active.token)? else {
            drop(store);
            self.set_active(None);
            return Ok(None);
        };
        let member = staff::get(store.conn(), &s.staff_id)?;
        let now = store.clock().now();
        let locked_out = member.locked_until.is_some_and(|u| u > now);
        if member.status != StaffStatus::Active || locked_out {
            let reason = if locked_out {
                "account_locked"
            } else {
                "suspended"
            };
            store.write(|tx| {
                session::end(tx, &s.id, reason)?;
                tx.audit(
                    AuditInput::new("auth.session_ended")
                        .by(&member.id)
                        .on("session", &s.id)
                        .after(serde_json::json!({"reason": reason})),
                )?;
                Ok(())
            })?;
            drop(store);
            self.set_active(None);
            return Ok(None);
        }
        active.role = member.role;
        active.email = member.email.clone();
        active.display_name = member.display_name.clone();
        active.must_change_password = member.must_change_password;
        active.has_pin = member.pin_hash.is_some();
        let mut s = s;
        if s.locked_at.is_none() {
            let idle_minutes = match device::device(store.conn())? {
                Some(d) => {
                    settings::get_int(store.conn(), &d.store_id, "security.idle_lock_minutes")?
                }
                None => IDLE_LOCK_MINUTES,
            };
            if now - s.last_seen_at > Duration::minutes(idle_minutes) {
                store.write(|tx| {
                    if session::lock(tx, &s.id)? {
                        tx.audit(
                            AuditInput::new("auth.idle_locked")
                                .by(&active.staff_id)
                                .on("session", &s.id)
                                .after(serde_json::json!({"idle_minutes": idle_minutes})),
                        )?;
                    }
                    Ok(())
                })?;
                s.locked_at = Some(now);
            } else if touch && now - s.last_seen_at > Duration::seconds(TOUCH_EVERY_SECONDS) {
                store.write(|tx| session::touch(tx, &s.id))?;
            }
        }
        drop(store);
        self.set_active(Some(active.clone()));
        Ok(Some((active, s)))
    }

    /// The session's owner even while it is locked; `unauthenticated` when there is none.
    fn signed_in_or_locked(&self) -> ApiResult<Active> {
        self.session_state(false)?
            .map(|(a, _)| a)
            .ok_or_else(nobody)
    }

    /// The signed-in person; `unauthenticated` when nobody is, `session_locked` while locked.
    /// Counts as use of the session. While an admin's reset asks for a new password, only
    /// the few commands that get there (changing it, the lock screen) use this one: every
    /// other command goes through [`Api::current_session`].
    pub(crate) fn session_before_password_change(&self) -> ApiResult<Active> {
        let Some((active, s)) = self.session_state(true)? else {
            return Err(nobody());
        };
        if s.locked_at.is_some() {
            return Err(ApiError::new(
                ErrorCode::SessionLocked,
                "the session is locked; unlock it with your PIN, or with your password and code",
            ));
        }
        Ok(active)
    }

    /// The signed-in person, ready to work: `unauthenticated` when nobody is, `session_locked`
    /// while locked, and `forbidden` until a forced password change is done. Every command
    /// that acts for someone comes through here (or through [`Api::require`]).
    pub(crate) fn current_session(&self) -> ApiResult<Active> {
        let active = self.session_before_password_change()?;
        if active.must_change_password {
            return Err(password_change_first());
        }
        Ok(active)
    }

    /// The same as [`Api::current_session`].
    pub(crate) fn signed_in(&self) -> ApiResult<Active> {
        self.current_session()
    }

    /// The signed-in person, if their role allows `permission`; else `forbidden`.
    pub(crate) fn require(&self, permission: Permission) -> ApiResult<Active> {
        let active = self.signed_in()?;
        require(active.role, permission).map_err(|e: Error| ApiError::from(e))?;
        Ok(active)
    }
}

/// What every command but changing the password answers after an admin's reset.
pub(crate) fn password_change_first() -> ApiError {
    ApiError::new(
        ErrorCode::Forbidden,
        "an admin reset your password: change it under My account first",
    )
}

fn nobody() -> ApiError {
    ApiError::new(
        ErrorCode::Unauthenticated,
        "nobody is signed in on this device; sign in first",
    )
}
