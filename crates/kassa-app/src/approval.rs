//! Manager override: an action the signed-in person's role does not allow goes ahead when
//! someone whose role does allow it approves on the spot with their own credentials.
//!
//! How a feature uses it (selling will, for discounts, refunds and voids above limits):
//!
//! ```text
//! // 1. The input carries the approval the UI collected in place (ManagerOverride.svelte):
//! //    pub approval: Option<OverrideCredentials>,
//! // 2. The command checks what the person may always do, then what needs approval:
//! let me = self.require(Permission::Sell)?;
//! let approver = if discount_above_limit {
//!     self.approve(&me, input.approval.as_ref(), Permission::DiscountAboveLimit)?
//! } else {
//!     None
//! };
//! // 3. The action's one audit entry names both people:
//! tx.audit(approved(AuditInput::new("order.discounted").by(&me.staff_id), approver.as_ref()))?;
//! ```
//!
//! Without an approval the answer is `forbidden` with a message that says a manager can
//! approve; the UI then shows the override in place and calls again with it.

use crate::dto::OverrideCredentials;
use crate::session::Active;
use crate::{Api, ApiError, ApiResult};
use kassa_domain::ErrorCode;
use kassa_domain::role::{Permission, allows};
use kassa_store::AuditInput;
use kassa_store::identity::approval::{ApproverCredentials, ApproverSecret, verify_approver};

pub use kassa_store::identity::approval::Approver;

/// Adds the approver (if any) to an action's audit entry, so it names both people.
pub(crate) fn approved<'a>(
    input: AuditInput<'a>,
    approver: Option<&'a Approver>,
) -> AuditInput<'a> {
    match approver {
        Some(a) => input.approved_by(&a.staff_id),
        None => input,
    }
}

fn credentials(creds: &OverrideCredentials) -> ApiResult<ApproverCredentials<'_>> {
    let secret = match (creds.password.as_deref(), creds.pin.as_deref()) {
        (Some(p), None) if !p.is_empty() => ApproverSecret::Password(p),
        (None, Some(pin)) if !pin.trim().is_empty() => ApproverSecret::Pin(pin),
        _ => {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "the approval needs the approver's password or PIN (one of them) and their authenticator code",
            ));
        }
    };
    if creds.totp_code.trim().is_empty() {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "the approval needs the approver's current authenticator code",
        ));
    }
    Ok(ApproverCredentials {
        email: &creds.email,
        secret,
        totp_code: &creds.totp_code,
    })
}

/// [`Api::approve`] on a store the caller already holds.
pub(crate) fn approve_in(
    store: &mut kassa_store::Store,
    actor: &Active,
    creds: Option<&OverrideCredentials>,
    needed: Permission,
) -> ApiResult<Option<Approver>> {
    if allows(actor.role, needed) {
        return Ok(None);
    }
    let Some(creds) = creds else {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "a {} may not do this alone: {} needs a manager's approval",
                actor.role,
                needed.describe()
            ),
        ));
    };
    let creds = credentials(creds)?;
    Ok(Some(verify_approver(
        store,
        creds,
        needed,
        Some(&actor.staff_id),
    )?))
}

impl Api {
    /// `None` when `actor`'s role allows `needed`; otherwise checks `creds` (another person,
    /// active, not locked out, holding `needed`; password or PIN plus a fresh TOTP code,
    /// throttled like a sign-in) and returns the approver. Without `creds`: `forbidden`.
    pub(crate) fn approve(
        &self,
        actor: &Active,
        creds: Option<&OverrideCredentials>,
        needed: Permission,
    ) -> ApiResult<Option<Approver>> {
        approve_in(&mut self.store(), actor, creds, needed)
    }

    /// Checks an approval given when nobody is signed in (the approver then acts alone).
    pub(crate) fn verify_approval(
        &self,
        actor_id: Option<&str>,
        creds: &OverrideCredentials,
        needed: Permission,
    ) -> ApiResult<Approver> {
        let creds = credentials(creds)?;
        Ok(verify_approver(&mut self.store(), creds, needed, actor_id)?)
    }
}
