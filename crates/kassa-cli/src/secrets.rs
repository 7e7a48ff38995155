//! Secrets for the CLI: from the environment, or asked on a terminal. Never from arguments.

use kassa_app::ApiError;
use kassa_app::dto::OverrideCredentials;
use std::io::IsTerminal;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn missing(what: &str, var: &str) -> ApiError {
    ApiError {
        code: "invalid_input".into(),
        message: format!("{what} is required: set {var}"),
        permission: None,
    }
}

fn ask(prompt: &str) -> Result<String, ApiError> {
    rpassword::prompt_password(prompt).map_err(|e| ApiError {
        code: "invalid_input".into(),
        message: format!("could not read from the terminal: {e}"),
        permission: None,
    })
}

/// The password from KASSA_PASSWORD, or asked.
pub fn password() -> Result<String, ApiError> {
    if let Some(p) = env("KASSA_PASSWORD") {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
        return ask("Password: ");
    }
    Err(missing("a password", "KASSA_PASSWORD"))
}

/// A new password from KASSA_PASSWORD, or asked twice.
pub fn new_password() -> Result<String, ApiError> {
    if let Some(p) = env("KASSA_PASSWORD") {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
        let first =
            ask("New password (at least 12 characters; a few unrelated words work well): ")?;
        let again = ask("Repeat it: ")?;
        if first != again {
            return Err(ApiError {
                code: "invalid_input".into(),
                message: "the two passwords differ".into(),
                permission: None,
            });
        }
        return Ok(first);
    }
    Err(missing("a password", "KASSA_PASSWORD"))
}

/// The authenticator code (KASSA_OTP) or a backup code (KASSA_BACKUP_CODE), or asked.
pub fn second_factor() -> Result<(Option<String>, Option<String>), ApiError> {
    match (env("KASSA_OTP"), env("KASSA_BACKUP_CODE")) {
        (Some(otp), None) => Ok((Some(otp), None)),
        (None, Some(code)) => Ok((None, Some(code))),
        (Some(_), Some(_)) => Err(ApiError {
            code: "invalid_input".into(),
            message: "set KASSA_OTP or KASSA_BACKUP_CODE, not both".into(),
            permission: None,
        }),
        (None, None) if std::io::stdin().is_terminal() => {
            let code = ask("Authenticator code (or a backup code): ")?;
            if code.trim().len() == 6 && code.trim().chars().all(|c| c.is_ascii_digit()) {
                Ok((Some(code), None))
            } else {
                Ok((None, Some(code)))
            }
        }
        (None, None) => Err(missing(
            "the authenticator code",
            "KASSA_OTP (or KASSA_BACKUP_CODE)",
        )),
    }
}

/// A secret from `var`, or asked on a terminal with `prompt`.
pub fn named(var: &str, what: &str, prompt: &str) -> Result<String, ApiError> {
    if let Some(v) = env(var) {
        return Ok(v);
    }
    if std::io::stdin().is_terminal() {
        return ask(prompt);
    }
    Err(missing(what, var))
}

/// A secret from `var` if set.
pub fn optional(var: &str) -> Option<String> {
    env(var)
}

/// The approval a manager gives through the environment, if they gave one.
pub fn approval() -> Result<Option<OverrideCredentials>, ApiError> {
    let Some(email) = optional("KASSA_APPROVER_EMAIL") else {
        return Ok(None);
    };
    let totp_code = named(
        "KASSA_APPROVER_OTP",
        "the approver's authenticator code",
        "Approver's authenticator code: ",
    )?;
    Ok(Some(OverrideCredentials {
        email,
        password: optional("KASSA_APPROVER_PASSWORD"),
        pin: optional("KASSA_APPROVER_PIN"),
        totp_code,
    }))
}
