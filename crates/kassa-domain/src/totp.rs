//! Time-based one-time passwords (RFC 6238): 6 digits, 30 s steps, ±1 step.
//!
//! A step once accepted is never accepted again: the caller stores the last
//! accepted step and passes it in.

use crate::error::{Error, ErrorCode, Result};
use totp_rs::{Algorithm, TOTP};

/// Seconds per step.
pub const STEP_SECONDS: u64 = 30;
/// Digits in a code.
pub const DIGITS: usize = 6;
/// Bytes in a new secret: 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;

fn totp(secret: &[u8], account: &str) -> Result<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECONDS,
        secret.to_vec(),
        Some("Kassa".to_string()),
        account.to_string(),
    )
    .map_err(|e| Error::internal(format!("TOTP secret rejected: {e}")))
}

/// The step number that contains `unix_seconds`.
pub fn step_at(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// The code for the step containing `unix_seconds`.
pub fn code_at(secret: &[u8], unix_seconds: u64) -> Result<String> {
    Ok(totp(secret, "")?.generate(unix_seconds))
}

/// Checks `code` at time `now` against the steps now−1, now and now+1.
///
/// Returns the matched step, which the caller must store as the new last step.
/// A code of a step at or before `last_step` is `totp_reused`; a wrong code is
/// `invalid_credentials`.
pub fn verify(secret: &[u8], code: &str, now_unix: u64, last_step: Option<u64>) -> Result<u64> {
    let code = code.trim();
    if code.len() != DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::new(
            ErrorCode::InvalidCredentials,
            "the code must be the 6 digits shown by the authenticator app",
        ));
    }
    let t = totp(secret, "")?;
    let now_step = step_at(now_unix);
    let mut reused = false;
    for step in [now_step.saturating_sub(1), now_step, now_step + 1] {
        let candidate = t.generate(step * STEP_SECONDS);
        if subtle::ConstantTimeEq::ct_eq(candidate.as_bytes(), code.as_bytes()).into() {
            if last_step.is_some_and(|last| step <= last) {
                reused = true;
                continue;
            }
            return Ok(step);
        }
    }
    if reused {
        Err(Error::new(
            ErrorCode::TotpReused,
            "this code was already used; wait for the next code in the authenticator app",
        ))
    } else {
        Err(Error::new(
            ErrorCode::InvalidCredentials,
            "the password or the code is wrong",
        ))
    }
}

/// The `otpauth://` URI that authenticator apps scan from the QR code.
pub fn provisioning_uri(secret: &[u8], account: &str) -> Result<String> {
    Ok(totp(secret, account)?.get_url())
}

/// The secret as base32 (no padding), the form people type into authenticator apps.
pub fn secret_base32(secret: &[u8]) -> String {
    totp_rs::Secret::Raw(secret.to_vec())
        .to_encoded()
        .to_string()
}

/// Decodes a base32 secret as shown by [`secret_base32`].
pub fn secret_from_base32(encoded: &str) -> Result<Vec<u8>> {
    totp_rs::Secret::Encoded(encoded.trim().to_ascii_uppercase())
        .to_bytes()
        .map_err(|_| Error::invalid_input("the secret is not valid base32"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: [u8; 20] = *b"12345678901234567890";

    #[test]
    fn matches_rfc_6238_sha1_vectors() {
        // RFC 6238 appendix B, truncated to 6 digits.
        assert_eq!(code_at(&SECRET, 59).unwrap(), "287082");
        assert_eq!(code_at(&SECRET, 1_111_111_109).unwrap(), "081804");
        assert_eq!(code_at(&SECRET, 2_000_000_000).unwrap(), "279037");
    }

    #[test]
    fn accepts_one_step_of_drift_each_way_and_no_more() {
        let now = 1_700_000_000;
        for offset in [-30i64, 0, 30] {
            let code = code_at(&SECRET, (now as i64 + offset) as u64).unwrap();
            assert!(verify(&SECRET, &code, now, None).is_ok(), "offset {offset}");
        }
        let far = code_at(&SECRET, now - 90).unwrap();
        assert_eq!(
            verify(&SECRET, &far, now, None).unwrap_err().code,
            ErrorCode::InvalidCredentials
        );
    }

    #[test]
    fn a_used_step_is_refused() {
        let now = 1_700_000_000;
        let code = code_at(&SECRET, now).unwrap();
        let step = verify(&SECRET, &code, now, None).unwrap();
        assert_eq!(
            verify(&SECRET, &code, now, Some(step)).unwrap_err().code,
            ErrorCode::TotpReused
        );
        let next = code_at(&SECRET, now + 30).unwrap();
        assert_eq!(
            verify(&SECRET, &next, now + 30, Some(step)).unwrap(),
            step + 1
        );
    }

    #[test]
    fn base32_round_trips() {
        let enc = secret_base32(&SECRET);
        assert_eq!(secret_from_base32(&enc).unwrap(), SECRET.to_vec());
        assert!(
            provisioning_uri(&SECRET, "a@example.com")
                .unwrap()
                .starts_with("otpauth://totp/")
        );
    }
}
