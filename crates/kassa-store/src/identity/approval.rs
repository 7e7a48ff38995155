//! A manager's approval given on the spot: their password or PIN plus a fresh TOTP code,
//! checked and throttled exactly like a sign-in, for one action someone else performs.
//!
//! Verifying writes no audit entry of its own when it succeeds: the approved action's entry
//! names both the person who acted and the approver. Failures are audited here.

use crate::Store;
use crate::foundation::secret::verify_secret;
use crate::foundation::write::{AuditInput, WriteTx};
use crate::identity::auth::{self, Attempt, Proof, SecondFactor};
use crate::identity::staff::{self, StaffStatus};
use kassa_domain::role::{Permission, Role, allows};
use kassa_domain::{Error, ErrorCode, Result};
use serde_json::json;

/// What the approver proves who they are with, besides the TOTP code.
#[derive(Debug, Clone, Copy)]
pub enum ApproverSecret<'a> {
    Password(&'a str),
    Pin(&'a str),
}

/// The approver's credentials as typed at the counter.
#[derive(Debug, Clone, Copy)]
pub struct ApproverCredentials<'a> {
    pub email: &'a str,
    pub secret: ApproverSecret<'a>,
    /// A TOTP code is always required: a PIN alone is four digits, and a backup code is for
    /// signing in when the phone is lost, not for approving others' actions.
    pub totp_code: &'a str,
}

/// Who approved, with their checked but not yet used TOTP step: the action they approved
/// uses it up with [`consume`] inside its own transaction, so a refused or failed action
/// leaves the approver's code unused and an approval can never be spent twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approver {
    pub staff_id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    step: u64,
}

/// Uses up the approver's code in the transaction of the action they approved. A code that
/// was used in the meantime (the same approval replayed) fails the action: `totp_reused`.
pub fn consume(tx: &mut WriteTx<'_>, approver: &Approver) -> Result<()> {
    auth::consume_step(tx, &approver.staff_id, approver.step)
}

/// Checks that `creds` belong to an active person other than `actor_id` who holds `needed`.
/// Their TOTP code is used up by the approved action, with [`consume`]. Every failure counts against the approver's account like a
/// failed sign-in (so approvals cannot be used to guess a manager's password or PIN) and is
/// audited with the person who asked as actor.
pub fn verify_approver(
    store: &mut Store,
    creds: ApproverCredentials<'_>,
    needed: Permission,
    actor_id: Option<&str>,
) -> Result<Approver> {
    auth::check_clock(store)?;
    let Some(member) = staff::find_by_email(store.conn(), creds.email)? else {
        let typed = match creds.secret {
            ApproverSecret::Password(p) | ApproverSecret::Pin(p) => p,
        };
        auth::spend_equal_time(typed);
        let email_sha256 = auth::identifier_sha256(creds.email);
        store.write(|tx| {
            tx.audit(AuditInput {
                actor_id,
                action: "auth.override_failed",
                after: Some(json!({
                    "email_sha256": email_sha256,
                    "reason": "unknown_account",
                    "needed": needed.as_str(),
                })),
                ..Default::default()
            })
        })?;
        return Err(Error::new(
            ErrorCode::InvalidCredentials,
            "the approver's email, password, PIN or code is wrong",
        ));
    };
    if actor_id == Some(member.id.as_str()) {
        return Err(Error::forbidden(
            "an approval must come from someone else: ask a manager to enter their own credentials",
        ));
    }
    auth::refuse_if_locked(store, &member, "auth.override_refused_locked", actor_id)?;
    let attempt = Attempt {
        action: "auth.override_failed",
        actor_id,
        factor: "password",
    };
    match creds.secret {
        ApproverSecret::Password(p) => auth::check_password(store, &member, p, attempt)?,
        ApproverSecret::Pin(pin) => {
            let ok = match &member.pin_hash {
                Some(phc) => verify_secret(phc, pin.trim())?,
                None => {
                    auth::spend_equal_time(pin);
                    false
                }
            };
            if !ok {
                return Err(auth::fail(
                    store,
                    &member,
                    Attempt {
                        factor: "pin",
                        ..attempt
                    },
                    ErrorCode::InvalidCredentials,
                )?);
            }
        }
    }
    if member.status != StaffStatus::Active {
        return Err(Error::forbidden(format!(
            "{} is suspended and cannot approve",
            member.email
        )));
    }
    let proof =
        auth::check_second_factor(store, &member, SecondFactor::Totp(creds.totp_code), attempt)?;
    if !allows(member.role, needed) {
        store.write(|tx| {
            tx.audit(AuditInput {
                actor_id,
                action: "auth.override_refused",
                entity: Some("staff"),
                entity_id: Some(&member.id),
                after: Some(
                    json!({"needed": needed.as_str(), "approver_role": member.role.as_str()}),
                ),
                ..Default::default()
            })
        })?;
        return Err(Error::forbidden(format!(
            "{} is a {} and may not approve {}; ask someone whose role allows it",
            member.email,
            member.role,
            needed.describe()
        )));
    }
    let Proof::Step(step) = proof else {
        return Err(Error::internal(
            "an approval is always proven with a TOTP code",
        ));
    };
    Ok(Approver {
        staff_id: member.id,
        email: member.email,
        display_name: member.display_name,
        role: member.role,
        step,
    })
}
