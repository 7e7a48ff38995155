//! App updates: where this device asks for them (its store's server) and when one may be
//! installed. Downloading and checking the signature is the desktop shell's updater; these
//! are the rules it asks the core about.

use crate::{Api, ApiResult};
use kassa_domain::error::{Error, ErrorCode};
use kassa_domain::role::Permission;
use kassa_store::foundation::device;
use kassa_store::foundation::sync_state;
use kassa_store::foundation::write::AuditInput;
use kassa_store::selling::cart;
use serde_json::json;

impl Api {
    /// The update manifest address on this device's store server, with the updater's
    /// `{{target}}`, `{{arch}}` and `{{current_version}}` left for it to fill in. Anyone
    /// signed in may look for an update; a device that is not paired has no server to ask.
    pub fn update_endpoint(&self) -> ApiResult<String> {
        self.signed_in()?;
        let state = sync_state::state(self.store().conn())?.ok_or_else(sync_state::not_paired)?;
        Ok(format!(
            "{}/api/v1/updates/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}",
            state.server_url.trim_end_matches('/')
        ))
    }

    /// Whether an update may be installed now, and the audit entry saying it was: only by
    /// someone who manages devices, and never while a sale is open on this till (a cart with
    /// lines), so a restart never drops a customer's basket.
    pub fn update_install_begin(&self, from_version: &str, to_version: &str) -> ApiResult<()> {
        let me = self.require(Permission::ManageDevices)?;
        let mut store = self.store();
        let device = device::device(store.conn())?
            .ok_or_else(|| Error::new(ErrorCode::NotSetUp, "this device is not set up yet"))?;
        let sale_open = match cart::open_cart_id(store.conn(), &device.id)? {
            Some(id) => !cart::load(store.conn(), &id)?.lines.is_empty(),
            None => false,
        };
        if sale_open {
            return Err(Error::new(
                ErrorCode::InvalidTransition,
                "a sale is open on this till: finish or park it before installing the update",
            )
            .into());
        }
        store.write(|tx| {
            tx.audit(
                AuditInput::new("app.update_installed")
                    .by(&me.staff_id)
                    .on("device", &device.id)
                    .before(json!({ "version": from_version }))
                    .after(json!({ "version": to_version })),
            )
            .map(|_| ())
        })?;
        Ok(())
    }
}
