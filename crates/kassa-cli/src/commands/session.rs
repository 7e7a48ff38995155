//! `kassa login`, `kassa logout` and `kassa status`.

use super::{Outcome, to_json};
use crate::cli::LoginArgs;
use crate::secrets;
use kassa_app::dto::{AppStatus, LoginInput, NoInput, UnlockInput};
use kassa_app::{Api, ApiError};
use serde_json::json;
use std::path::Path;

pub fn login(api: &Api, a: &LoginArgs) -> Result<Outcome, ApiError> {
    let password = secrets::password()?;
    let (totp_code, backup_code) = secrets::second_factor()?;
    let s = api.login(LoginInput {
        email: a.email.clone(),
        password,
        totp_code,
        backup_code,
    })?;
    let mut human = format!("Signed in as {} ({}).", s.user.email, s.role);
    if let Some(left) = s.backup_codes_left {
        human.push_str(&format!("\nA backup code was used; {left} left."));
    }
    let json = json!({
        "user": to_json(&s.user), "role": s.role, "session_id": s.session_id,
        "backup_codes_left": s.backup_codes_left,
    });
    Ok(Outcome::from_json(json, human))
}

pub fn logout(api: &Api) -> Result<Outcome, ApiError> {
    let ok = api.logout(NoInput {})?;
    Ok(Outcome::new(&ok, "Signed out."))
}

/// The status of a folder with no store yet, told without creating a database in it.
pub fn status_without_store(dir: &Path) -> Result<Outcome, ApiError> {
    status_outcome(AppStatus::without_store(), dir)
}

pub fn status(api: &Api, dir: &Path) -> Result<Outcome, ApiError> {
    status_outcome(api.app_status(NoInput {})?, dir)
}

fn status_outcome(s: AppStatus, dir: &Path) -> Result<Outcome, ApiError> {
    let mut human = match (&s.store, &s.device) {
        (Some(st), Some(d)) => format!(
            "{} ({}, {}) — device {} \"{}\"\nSigned in: {}\nSync: {} ({} changes waiting)",
            st.name,
            st.code,
            st.currency,
            d.code,
            d.name,
            s.session
                .as_ref()
                .map(|x| format!("{} ({})", x.user.email, x.role))
                .unwrap_or_else(|| "nobody".into()),
            s.sync.state,
            s.sync.pending_changes
        ),
        _ => format!(
            "No store in {} yet: run `kassa setup` or `kassa demo`.",
            dir.display()
        ),
    };
    if let Some(p) = &s.sync.paired {
        human.push_str(&format!(
            "\nServer: {} (device {}), last sync {}",
            p.server_url,
            p.device_code,
            s.sync.last_sync_at.as_deref().unwrap_or("never")
        ));
    }
    if let Some(e) = &s.sync.last_error {
        human.push_str(&format!("\nLast sync problem: {e}"));
    }
    let mut json = to_json(&s);
    if let Some(o) = json.as_object_mut() {
        // The demo's passwords and live codes are for the sign-in screen, not for scripts.
        o.remove("demo_logins");
    }
    Ok(Outcome::from_json(json, human))
}

pub fn lock(api: &Api) -> Result<Outcome, ApiError> {
    let ok = api.session_lock(NoInput {})?;
    Ok(Outcome::new(&ok, "Session locked."))
}

pub fn unlock(api: &Api) -> Result<Outcome, ApiError> {
    let input = match secrets::optional("KASSA_PIN") {
        Some(pin) => UnlockInput {
            pin: Some(pin),
            password: None,
            totp_code: None,
            backup_code: None,
        },
        None => {
            let password = secrets::password()?;
            let (totp_code, backup_code) = secrets::second_factor()?;
            UnlockInput {
                pin: None,
                password: Some(password),
                totp_code,
                backup_code,
            }
        }
    };
    let s = api.session_unlock(input)?;
    let human = format!("Unlocked: {} ({}).", s.user.email, s.role);
    let json = json!({"user": to_json(&s.user), "role": s.role, "session_id": s.session_id});
    Ok(Outcome::from_json(json, human))
}
