//! Device tokens: how they are made, kept (only their SHA-256) and checked on each call.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kassa_server_storage::DeviceAuth;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// SHA-256 of `data`, lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// A new device token: 32 bytes from the OS's CSPRNG, base64url without padding.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The device behind the request's bearer token: not revoked and not blocked.
pub(crate) struct AuthDevice(pub DeviceAuth);

impl FromRequestParts<AppState> for AuthDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(ApiError::unauthenticated)?;
        // A token is 43 base64url characters; anything else cannot be one.
        if token.len() != 43
            || !token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ApiError::unauthenticated());
        }
        let device = state
            .storage
            .authenticate(&sha256_hex(token.as_bytes()))
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        if device.revoked {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "device_revoked",
                "this device was revoked; an admin must pair it again",
            ));
        }
        if device.blocked {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "device_cloned",
                "this device was restored or copied and is blocked; an admin must pair it again",
            ));
        }
        Ok(AuthDevice(device))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bits_of_base64url_and_differ() {
        let a = new_token();
        assert_eq!(a.len(), 43);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, new_token());
        assert_eq!(sha256_hex(b"abc").len(), 64);
    }
}
