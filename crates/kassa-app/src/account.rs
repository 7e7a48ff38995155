//! My account: one's own password, PIN and backup codes, each confirmed with the current
//! password (a wrong one counts like a failed sign-in).

use crate::dto::{BackupCodesOutput, ChangePasswordInput, ConfirmPasswordInput, Ok, SetPinInput};
use crate::{Api, ApiResult};
use kassa_store::{identity::credentials, identity::staff};

impl Api {
    /// Changes one's own password; also what a forced change after an admin reset needs.
    pub fn account_change_password(&self, input: ChangePasswordInput) -> ApiResult<Ok> {
        let me = self.session_before_password_change()?;
        let mut store = self.store();
        let member = staff::get(store.conn(), &me.staff_id)?;
        credentials::change_password(
            &mut store,
            &member,
            &me.session_id,
            &input.current_password,
            &input.new_password,
        )?;
        Ok(Ok { ok: true })
    }

    /// Sets one's own quick-unlock PIN (4–8 digits).
    pub fn account_set_pin(&self, input: SetPinInput) -> ApiResult<Ok> {
        let me = self.signed_in()?;
        let mut store = self.store();
        let member = staff::get(store.conn(), &me.staff_id)?;
        credentials::set_pin(&mut store, &member, &input.current_password, &input.pin)?;
        Ok(Ok { ok: true })
    }

    /// Ten new backup codes, shown once; the old unused ones stop working.
    pub fn account_backup_codes(
        &self,
        input: ConfirmPasswordInput,
    ) -> ApiResult<BackupCodesOutput> {
        let me = self.signed_in()?;
        let mut store = self.store();
        let member = staff::get(store.conn(), &me.staff_id)?;
        let backup_codes =
            credentials::regenerate_backup_codes(&mut store, &member, &input.current_password)?;
        Ok(BackupCodesOutput { backup_codes })
    }
}
