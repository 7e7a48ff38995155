//! `kassa setup` and `kassa demo`.

use super::{Outcome, to_json};
use crate::cli::SetupArgs;
use crate::secrets;
use kassa_app::dto::SetupInput;
use kassa_app::{Api, ApiError};
use serde_json::Value;
use std::path::Path;

pub fn setup(api: &Api, a: &SetupArgs) -> Result<Outcome, ApiError> {
    let password = secrets::new_password()?;
    let out = api.setup(SetupInput {
        store_name: a.store.clone(),
        currency: a.currency.clone(),
        admin_email: a.admin.clone(),
        admin_name: a.admin_name.clone(),
        password,
        store_code: a.store_code.clone(),
        device_name: a.device_name.clone(),
    })?;
    let mut json = to_json(&out);
    if let Some(admin) = json.get_mut("admin").and_then(Value::as_object_mut) {
        admin.remove("qr_svg");
    }
    let human = format!(
        "Store created. Device {} of store {}.\n\n\
         Admin {}: add this account to an authenticator app by scanning\n\n{}\n\
         or typing the secret {}\n\n\
         Backup codes (each works once; write them down and keep them safe):\n  {}\n",
        out.device_id,
        out.store_id,
        out.admin.email,
        terminal_qr(&out.admin.otpauth_uri),
        out.admin.totp_secret,
        out.admin.backup_codes.join("\n  ")
    );
    Ok(Outcome::from_json(json, human))
}

pub fn demo(api: &Api, dir: &Path) -> Result<Outcome, ApiError> {
    let out = api.demo()?;
    let human = format!(
        "Demo store created in {}.\n\n{}",
        dir.display(),
        out.staff
            .iter()
            .map(|s| format!(
                "{:8} {:26} password: {}\n         authenticator secret: {}\n",
                s.role, s.email, s.password, s.totp_secret
            ))
            .collect::<String>()
    );
    Ok(Outcome::new(&out, human))
}

pub fn terminal_qr(uri: &str) -> String {
    use qrcode::render::unicode::Dense1x2;
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => code
            .render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .build(),
        Err(_) => String::new(),
    }
}
