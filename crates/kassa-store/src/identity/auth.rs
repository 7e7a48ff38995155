//! Proving who someone is on this device, offline: password, then TOTP or a backup code, with
//! lockout; the same checks serve sign-in, unlocking a session and confirming a change.

use crate::foundation::secret::{normalize_backup_code, verify_secret};
use crate::foundation::write::{AuditInput, ChangeOp, WriteTx};
use crate::identity::session::{self, Session, Surface};
use crate::identity::staff::{self, Staff, StaffStatus};
use crate::{SqlResult, Store, foundation::device, parse_ts, ts};
use chrono::{DateTime, Duration, Utc};
use kassa_domain::policy::{MAX_FAILED_ATTEMPTS, PIN_MAX_FAILURES, PIN_UNLOCK_HOURS};
use kassa_domain::{Error, ErrorCode, Result, totp};
use rusqlite::params;
use serde_json::json;
use std::sync::OnceLock;

/// The second factor offered with the password.
#[derive(Debug, Clone, Copy)]
pub enum SecondFactor<'a> {
    /// The current 6-digit code from the authenticator app.
    Totp(&'a str),
    /// One of the ten printed backup codes.
    BackupCode(&'a str),
}

/// A sign-in that succeeded.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub staff: Staff,
    pub session: Session,
    /// Never stored; the caller keeps it for the session's life.
    pub token: String,
    /// Unused backup codes left, when one was just used.
    pub backup_codes_left: Option<u32>,
}

/// What a failed attempt is recorded as: the audit action, who tried (when not the account's
/// owner, e.g. the cashier asking for a manager's approval) and which factor failed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attempt<'a> {
    pub action: &'a str,
    pub actor_id: Option<&'a str>,
    pub factor: &'a str,
}

impl<'a> Attempt<'a> {
    /// A sign-in attempt by the account's owner.
    pub(crate) fn login(factor: &'a str) -> Attempt<'a> {
        Attempt {
            action: "auth.login_failed",
            actor_id: None,
            factor,
        }
    }
}

/// A second factor that checked out, consumed by [`consume`] in the write that follows.
#[derive(Debug, Clone)]
pub(crate) enum Proof {
    Step(u64),
    Backup(String),
}

impl Proof {
    /// The factor's name in audit entries.
    pub(crate) fn factor(&self) -> &'static str {
        match self {
            Proof::Step(_) => "totp",
            Proof::Backup(_) => "backup_code",
        }
    }
}

/// Verifies against a throwaway hash when the account has none, so that the time taken
/// does not tell whether an email is known.
pub(crate) fn spend_equal_time(password: &str) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    if let Some(phc) =
        DUMMY.get_or_init(|| crate::foundation::secret::hash_secret("kassa timing equaliser").ok())
    {
        let _ = verify_secret(phc, password);
    }
}

/// The one answer to a sign-in whose email or password is wrong: the same code and words
/// whether or not the email belongs to anyone, and no count of attempts left.
pub(crate) fn wrong_sign_in() -> Error {
    Error::new(
        ErrorCode::InvalidCredentials,
        "the email, password or code is wrong",
    )
}

/// How an identifier typed for an unknown account is kept in the audit trail: the SHA-256 of
/// its trimmed, lowercased text in hex, never the text (it may be a password typed into the
/// wrong field).
pub(crate) fn identifier_sha256(typed: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(typed.trim().to_lowercase().as_bytes()))
}

/// Refuses to trust a device clock that is behind the last server time it saw.
pub fn check_clock(store: &Store) -> Result<()> {
    let now = store.clock().now();
    if let Some(dev) = device::device(store.conn())?
        && let Some(server) = dev.last_server_time.as_deref()
    {
        let server = parse_ts(server)?;
        if now + Duration::seconds(60) < server {
            return Err(Error::new(
                ErrorCode::ClockMovedBack,
                format!(
                    "this device's clock ({}) is behind the last time the server confirmed ({}); fix the date and time, then sign in",
                    ts(now),
                    ts(server)
                ),
            ));
        }
    }
    Ok(())
}

fn require_set_up(store: &Store) -> Result<()> {
    if store.is_set_up()? {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::NotSetUp,
            "this device has no store yet; run setup first",
        ))
    }
}

fn lock_message(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    // Whole minutes, rounded up: "in 30 min" right after locking, "in 1 min" near the end.
    let minutes = ((until - now).num_seconds().max(0) + 59) / 60;
    format!(
        "this account is locked after {MAX_FAILED_ATTEMPTS} failed attempts until {} (in {minutes} min), or until a manager or admin unlocks it",
        until.with_timezone(&chrono::Local).format("%H:%M")
    )
}

/// `account_locked` (audited as `refused_action`) while `member` is locked out.
pub(crate) fn refuse_if_locked(
    store: &mut Store,
    member: &Staff,
    refused_action: &str,
    actor_id: Option<&str>,
) -> Result<()> {
    let now = store.clock().now();
    if let Some(until) = member.locked_until.filter(|u| *u > now) {
        store.write(|tx| {
            tx.audit(AuditInput {
                actor_id: actor_id.or(Some(&member.id)),
                action: refused_action,
                entity: Some("staff"),
                entity_id: Some(&member.id),
                ..Default::default()
            })
        })?;
        return Err(Error::new(
            ErrorCode::AccountLocked,
            lock_message(until, now),
        ));
    }
    Ok(())
}

/// Checks `member`'s password; a wrong one counts as a failed attempt (and may lock).
pub(crate) fn check_password(
    store: &mut Store,
    member: &Staff,
    password: &str,
    attempt: Attempt<'_>,
) -> Result<()> {
    let ok = match &member.password_hash {
        Some(phc) => verify_secret(phc, password)?,
        None => {
            spend_equal_time(password);
            false
        }
    };
    if ok {
        Ok(())
    } else {
        Err(fail(store, member, attempt, ErrorCode::InvalidCredentials)?)
    }
}

/// Checks a TOTP code or an unused backup code of `member`; a wrong one counts as a failure.
/// Nothing is consumed yet: [`consume`] does that in the caller's write.
pub(crate) fn check_second_factor(
    store: &mut Store,
    member: &Staff,
    second: SecondFactor<'_>,
    attempt: Attempt<'_>,
) -> Result<Proof> {
    match second {
        SecondFactor::Totp(code) => {
            let sealed = member.totp_secret_enc.as_deref().ok_or_else(|| {
                Error::new(
                    ErrorCode::Unauthenticated,
                    "no authenticator is enrolled for this account: redeem the new-authenticator code from your admin, or sign in with a backup code",
                )
            })?;
            let secret = store
                .store_key()?
                .open(sealed, &Staff::totp_context(&member.id))?;
            let unix = u64::try_from(store.clock().now().timestamp()).unwrap_or(0);
            let last = last_step_near(store.conn(), member, totp::step_at(unix))?;
            match totp::verify(&secret, code, unix, last) {
                Ok(step) => Ok(Proof::Step(step)),
                Err(e) => Err(fail(
                    store,
                    member,
                    Attempt {
                        factor: "totp",
                        ..attempt
                    },
                    e.code,
                )?),
            }
        }
        SecondFactor::BackupCode(code) => {
            let typed = normalize_backup_code(code);
            let unused = {
                let mut stmt = store
                    .conn()
                    .prepare(
                        "SELECT id, code_hash FROM backup_codes
                         WHERE staff_id = ?1 AND used_at IS NULL AND revoked_at IS NULL",
                    )
                    .db()?;
                stmt.query_map([&member.id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .db()?
                .collect::<rusqlite::Result<Vec<_>>>()
                .db()?
            };
            for (id, phc) in unused {
                if verify_secret(&phc, &typed)? {
                    return Ok(Proof::Backup(id));
                }
            }
            Err(fail(
                store,
                member,
                Attempt {
                    factor: "backup_code",
                    ..attempt
                },
                ErrorCode::InvalidCredentials,
            )?)
        }
    }
}

/// How far from this device's clock, in steps either way, used steps count (five minutes,
/// the drift a remote clock stamp may have before it is flagged).
pub const TOTP_STEP_WINDOW: u64 = 10;

/// The last step `member` used near `now_step` on any device (`totp_steps`), or the older
/// devices' `staff.totp_last_step` when it is near too. A step far from this device's clock
/// was used on a device whose clock is wrong; it cannot be replayed here now, and counting
/// it would refuse every code for as long as that clock is ahead.
pub(crate) fn last_step_near(
    conn: &rusqlite::Connection,
    member: &Staff,
    now_step: u64,
) -> Result<Option<u64>> {
    let low = now_step.saturating_sub(TOTP_STEP_WINDOW);
    let high = now_step.saturating_add(TOTP_STEP_WINDOW);
    let near = |s: u64| (low..=high).contains(&s);
    let used: Option<i64> = conn
        .query_row(
            "SELECT max(step) FROM totp_steps WHERE staff_id = ?1 AND step BETWEEN ?2 AND ?3",
            params![
                member.id,
                i64::try_from(low).unwrap_or(i64::MAX),
                i64::try_from(high).unwrap_or(i64::MAX)
            ],
            |r| r.get(0),
        )
        .db()?;
    let used = used.and_then(|s| u64::try_from(s).ok());
    let legacy = member.totp_last_step.filter(|s| near(*s));
    Ok(used.max(legacy))
}

/// Uses up a TOTP step: a step at or before the last one used near this device's clock is
/// refused (`totp_reused`); the step becomes a `totp_steps` row, which every device receives.
pub(crate) fn consume_step(tx: &mut WriteTx<'_>, staff_id: &str, step: u64) -> Result<()> {
    let member = staff::get(tx, staff_id)?;
    if last_step_near(tx, &member, step)?.is_some_and(|last| step <= last) {
        return Err(Error::new(
            ErrorCode::TotpReused,
            "this code was already used; wait for the next code",
        ));
    }
    let now_ts = tx.now_ts();
    let device_id = tx.device_id()?.to_string();
    let id = format!("{staff_id}:{step}");
    let step_i = i64::try_from(step).map_err(|_| Error::internal("time step overflow"))?;
    tx.execute(
        "INSERT INTO totp_steps (id, staff_id, step, used_at, device_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, staff_id, step_i, now_ts, device_id],
    )
    .db()?;
    crate::identity::lockout::clear(tx, staff_id)?;
    tx.record_change(
        "totp_steps",
        &id,
        ChangeOp::Insert,
        &json!({"staff_id": staff_id, "step": step, "used_at": now_ts, "device_id": device_id}),
    )
}

/// Uses up a checked second factor inside the caller's write: stores the TOTP step (guarded,
/// so two racing uses of one code cannot both pass) or marks the backup code used, and resets
/// the failure count. Returns the backup codes left when one was used.
pub(crate) fn consume(tx: &mut WriteTx<'_>, member: &Staff, proof: &Proof) -> Result<Option<u32>> {
    let now_ts = tx.now_ts();
    match proof {
        Proof::Step(step) => {
            consume_step(tx, &member.id, *step)?;
            Ok(None)
        }
        Proof::Backup(id) => {
            let device_id = tx.device_id()?.to_string();
            let n = tx
                .execute(
                    "UPDATE backup_codes SET used_at = ?1, used_device = ?2
                     WHERE id = ?3 AND used_at IS NULL AND revoked_at IS NULL",
                    params![now_ts, device_id, id],
                )
                .db()?;
            if n == 0 {
                return Err(Error::new(
                    ErrorCode::InvalidCredentials,
                    "this backup code was already used",
                ));
            }
            crate::identity::lockout::clear(tx, &member.id)?;
            tx.record_change(
                "backup_codes",
                id,
                ChangeOp::Event,
                &json!({"used_at": now_ts, "used_device": device_id}),
            )?;
            let left = staff::backup_codes_left(tx, &member.id)?;
            tx.audit(
                AuditInput::new("auth.backup_code_used")
                    .by(&member.id)
                    .on("staff", &member.id)
                    .after(json!({"left": left})),
            )?;
            Ok(Some(left))
        }
    }
}

/// Resets the failure count after a success that consumed no second factor (a PIN).
fn clear_failures(tx: &mut WriteTx<'_>, member: &Staff) -> Result<()> {
    if member.failed_attempts > 0 {
        crate::identity::lockout::clear(tx, &member.id)?;
    }
    Ok(())
}

/// Signs `email` in with `password` and a second factor, and opens a session on `surface`.
///
/// Failures are counted per account; the tenth locks it for 30 minutes. Every outcome is an
/// audit entry. On failure nothing but the counter and the audit entry changes.
pub fn sign_in(
    store: &mut Store,
    email: &str,
    password: &str,
    second: SecondFactor<'_>,
    surface: Surface,
) -> Result<SignedIn> {
    require_set_up(store)?;
    check_clock(store)?;
    let Some(member) = staff::find_by_email(store.conn(), email)? else {
        spend_equal_time(password);
        store.write(|tx| {
            tx.audit(AuditInput {
                action: "auth.login_failed",
                after: Some(json!({
                    "email_sha256": identifier_sha256(email),
                    "reason": "unknown_account",
                })),
                ..Default::default()
            })
        })?;
        return Err(wrong_sign_in());
    };
    // Whether the account is locked is said only to someone who knows its password, so that
    // neither a lock nor a wrong password tells a stranger that an email is known.
    let now = store.clock().now();
    if let Some(until) = member.locked_until.filter(|u| *u > now) {
        let known = match &member.password_hash {
            Some(phc) => verify_secret(phc, password)?,
            None => {
                spend_equal_time(password);
                false
            }
        };
        store.write(|tx| {
            tx.audit(
                AuditInput::new("auth.login_refused_locked")
                    .by(&member.id)
                    .on("staff", &member.id)
                    .after(json!({"password": if known { "correct" } else { "wrong" }})),
            )
        })?;
        return Err(if known {
            Error::new(ErrorCode::AccountLocked, lock_message(until, now))
        } else {
            wrong_sign_in()
        });
    }
    if let Err(e) = check_password(store, &member, password, Attempt::login("password")) {
        return Err(match e.code {
            ErrorCode::InvalidCredentials | ErrorCode::AccountLocked => wrong_sign_in(),
            _ => e,
        });
    }
    match member.status {
        StaffStatus::Active => {}
        StaffStatus::Invited => {
            return Err(Error::new(
                ErrorCode::Unauthenticated,
                "this account has not been activated; accept the invitation first",
            ));
        }
        StaffStatus::Disabled => {
            return Err(Error::forbidden(
                "this account is suspended; ask a manager or admin",
            ));
        }
    }
    let proof = check_second_factor(store, &member, second, Attempt::login("second_factor"))?;

    let key_for_cli = if surface == Surface::Cli {
        Some(store.device_key()?.clone_key())
    } else {
        None
    };
    store.write(|tx| {
        let backup_left = consume(tx, &member, &proof)?;
        let (session, token) = session::open(tx, &member.id, surface)?;
        if let Some(key) = &key_for_cli {
            session::save_cli_token(tx, key, &session.id, &token)?;
        }
        tx.audit(
            AuditInput::new("auth.login_succeeded")
                .by(&member.id)
                .on("session", &session.id)
                .after(json!({"surface": surface.as_str(), "factor": proof.factor()})),
        )?;
        Ok(SignedIn {
            staff: member.clone(),
            session,
            token,
            backup_codes_left: backup_left,
        })
    })
}

/// Confirms that the signed-in `member` is at the screen by their current password, before a
/// change to their own credentials. A wrong password counts like a failed sign-in.
pub fn confirm_password(store: &mut Store, member: &Staff, password: &str) -> Result<()> {
    check_clock(store)?;
    refuse_if_locked(store, member, "auth.reauth_refused_locked", None)?;
    check_password(
        store,
        member,
        password,
        Attempt {
            action: "auth.reauth_failed",
            actor_id: None,
            factor: "password",
        },
    )
}

/// How a locked session is unlocked.
#[derive(Debug, Clone, Copy)]
pub enum Unlock<'a> {
    /// The owner's PIN, during the shift.
    Pin(&'a str),
    /// The owner's password and second factor, at any time.
    Credentials {
        password: &'a str,
        second: SecondFactor<'a>,
    },
}

/// Unlocks `session` for its owner. Wrong PINs count against the account like failed
/// sign-ins, and the fifth in a row ends the session, so a guessed PIN never gets far. On a
/// session that is not locked the PIN or credentials are checked all the same: a wrong one is
/// an error, a right one changes nothing.
pub fn unlock_session(store: &mut Store, session: &Session, how: Unlock<'_>) -> Result<()> {
    check_clock(store)?;
    let member = staff::get(store.conn(), &session.staff_id)?;
    if member.status != StaffStatus::Active {
        store.write(|tx| session::end(tx, &session.id, "suspended"))?;
        return Err(Error::new(
            ErrorCode::Unauthenticated,
            "this account is suspended; the session has ended",
        ));
    }
    refuse_if_locked(store, &member, "auth.unlock_refused_locked", None)?;
    let attempt = Attempt {
        action: "auth.unlock_failed",
        actor_id: None,
        factor: "pin",
    };
    let (method, proof) = match how {
        Unlock::Pin(pin) => {
            let now = store.clock().now();
            if now - session.created_at > Duration::hours(PIN_UNLOCK_HOURS) {
                return Err(Error::new(
                    ErrorCode::SessionLocked,
                    format!(
                        "a PIN unlocks only within {PIN_UNLOCK_HOURS} hours of signing in; unlock with your password and code"
                    ),
                ));
            }
            let Some(phc) = member.pin_hash.as_deref() else {
                return Err(Error::invalid_input(
                    "no PIN is set for this account; unlock with your password and code (and set a PIN under My account)",
                ));
            };
            if !verify_secret(phc, pin.trim())? {
                return Err(wrong_pin(store, &member, session, attempt)?);
            }
            ("pin", None)
        }
        Unlock::Credentials { password, second } => {
            check_password(
                store,
                &member,
                password,
                Attempt {
                    factor: "password",
                    ..attempt
                },
            )?;
            let proof = check_second_factor(store, &member, second, attempt)?;
            (proof.factor(), Some(proof))
        }
    };
    store.write(|tx| {
        match &proof {
            Some(p) => {
                consume(tx, &member, p)?;
            }
            None => clear_failures(tx, &member)?,
        }
        // An open session stays as it is: the right PIN on it proves only who is there.
        if session.locked_at.is_some() {
            session::unlock(tx, &session.id)?;
            tx.audit(
                AuditInput::new("auth.unlocked")
                    .by(&member.id)
                    .on("session", &session.id)
                    .after(json!({"method": method})),
            )?;
        }
        Ok(())
    })
}

/// Counts a wrong PIN on the account and the session; ends the session at the fifth.
fn wrong_pin(
    store: &mut Store,
    member: &Staff,
    session: &Session,
    attempt: Attempt<'_>,
) -> Result<Error> {
    store.write(|tx| {
        let account_error = record_failure(tx, member, attempt, ErrorCode::InvalidCredentials)?;
        let failures = session::count_pin_failure(tx, &session.id)?;
        if failures >= PIN_MAX_FAILURES || account_error.code == ErrorCode::AccountLocked {
            session::end(tx, &session.id, "pin_failures")?;
            tx.audit(
                AuditInput::new("auth.session_ended")
                    .by(&member.id)
                    .on("session", &session.id)
                    .after(json!({"reason": "pin_failures", "failures": failures})),
            )?;
            if account_error.code == ErrorCode::AccountLocked {
                return Ok(account_error);
            }
            return Ok(Error::new(
                ErrorCode::Unauthenticated,
                format!(
                    "{PIN_MAX_FAILURES} wrong PINs: the session has ended; sign in with your password and code"
                ),
            ));
        }
        let left = PIN_MAX_FAILURES - failures;
        Ok(Error::new(
            ErrorCode::InvalidCredentials,
            format!("the PIN is wrong ({left} tries left before the session ends)"),
        ))
    })
}

/// Counts a failed attempt (locking at the tenth), audits it, and returns the error to show.
pub(crate) fn fail(
    store: &mut Store,
    member: &Staff,
    attempt: Attempt<'_>,
    code: ErrorCode,
) -> Result<Error> {
    store.write(|tx| record_failure(tx, member, attempt, code))
}

fn record_failure(
    tx: &mut WriteTx<'_>,
    member: &Staff,
    attempt: Attempt<'_>,
    code: ErrorCode,
) -> Result<Error> {
    let now = tx.now();
    // The count is every failure known for the account, on any device (`lockout`); a lock that
    // has run out starts a fresh count.
    let locked_before = member.locked_until;
    let count = crate::identity::lockout::record_failure(tx, &member.id)?;
    let attempts = count.failures;
    let actor = attempt.actor_id.unwrap_or(&member.id);
    tx.audit(
        AuditInput::new(attempt.action)
            .by(actor)
            .on("staff", &member.id)
            .after(
                json!({"factor": attempt.factor, "reason": code.as_str(), "attempts": attempts}),
            ),
    )?;
    if let Some(until) = count.locked_until.filter(|u| *u > now) {
        if locked_before != Some(until) {
            tx.audit(
                AuditInput::new("auth.account_locked")
                    .by(actor)
                    .on("staff", &member.id)
                    .after(json!({"locked_until": ts(until), "attempts": attempts})),
            )?;
        }
        return Ok(Error::new(
            ErrorCode::AccountLocked,
            lock_message(until, now),
        ));
    }
    let attempts = attempts.min(MAX_FAILED_ATTEMPTS - 1);
    let left = MAX_FAILED_ATTEMPTS - attempts;
    let message = match code {
        ErrorCode::TotpReused => format!(
            "this code was already used; wait for the next code ({left} attempts left before the account locks)"
        ),
        _ => format!(
            "the email, password or code is wrong ({left} attempts left before the account locks)"
        ),
    };
    Ok(Error::new(code, message))
}
