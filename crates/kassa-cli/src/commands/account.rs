//! `kassa account ...`: your own password, PIN and backup codes.

use super::Outcome;
use crate::cli::AccountCommand;
use crate::secrets;
use kassa_app::dto::{ChangePasswordInput, ConfirmPasswordInput, SetPinInput};
use kassa_app::{Api, ApiError};

pub fn run(api: &Api, cmd: &AccountCommand) -> Result<Outcome, ApiError> {
    let current = secrets::password()?;
    match cmd {
        AccountCommand::Password => {
            let new_password = secrets::named(
                "KASSA_NEW_PASSWORD",
                "the new password",
                "New password (at least 12 characters): ",
            )?;
            let ok = api.account_change_password(ChangePasswordInput {
                current_password: current,
                new_password,
            })?;
            Ok(Outcome::new(&ok, "Password changed."))
        }
        AccountCommand::Pin => {
            let pin = secrets::named("KASSA_PIN", "the PIN", "New PIN (4-8 digits): ")?;
            let ok = api.account_set_pin(SetPinInput {
                current_password: current,
                pin,
            })?;
            Ok(Outcome::new(&ok, "PIN set."))
        }
        AccountCommand::BackupCodes => {
            let out = api.account_backup_codes(ConfirmPasswordInput {
                current_password: current,
            })?;
            let human = format!(
                "New backup codes (the old ones no longer work; each works once):\n  {}\n",
                out.backup_codes.join("\n  ")
            );
            Ok(Outcome::new(&out, human))
        }
    }
}
