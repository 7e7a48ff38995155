//! One command's context: the person, checked for a permission, and this device's store,
//! held for the whole command, so that what the command reads to decide and what it writes
//! see the same state, and nothing else on this `Api` runs in between.

use crate::approval::{Approver, approve_in};
use crate::dto::OverrideCredentials;
use crate::session::Active;
use crate::{Api, ApiError, ApiResult};
use kassa_domain::ErrorCode;
use kassa_domain::money::Currency;
use kassa_domain::role::Permission;
use kassa_store::Store;
use kassa_store::foundation::device;
use std::sync::MutexGuard;

/// What a command works with: the signed-in person (`me`), the locked store, this store's id,
/// this device's id and the store's currency.
pub(crate) struct Cx<'a> {
    pub store: MutexGuard<'a, Store>,
    pub me: Active,
    pub store_id: String,
    pub device_id: String,
    pub currency: Currency,
}

impl Api {
    /// Starts a command that needs `permission`: checks the session (forced password change,
    /// lockout, role) and then holds the store until the context is dropped.
    pub(crate) fn begin(&self, permission: Permission) -> ApiResult<Cx<'_>> {
        let me = self.require(permission)?;
        let store = self.store();
        let dev = device::device(store.conn())?
            .ok_or_else(|| ApiError::new(ErrorCode::NotSetUp, "this device has no store yet"))?;
        let currency = device::store(store.conn(), &dev.store_id)?.currency;
        Ok(Cx {
            store,
            me,
            store_id: dev.store_id,
            device_id: dev.id,
            currency,
        })
    }
}

impl Cx<'_> {
    /// `None` when this person's role allows `needed`, else the verified approver (whose code
    /// the action consumes in its own transaction), else `forbidden`.
    pub fn approve(
        &mut self,
        creds: Option<&OverrideCredentials>,
        needed: Permission,
    ) -> ApiResult<Option<Approver>> {
        approve_in(&mut self.store, &self.me, creds, needed)
    }
}
