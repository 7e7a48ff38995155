//! The device key: 256 bits that seal this device's secrets at rest.
//!
//! It lives in the OS keyring (Secret Service on Linux) under one entry per
//! device, never in a file. A headless machine without a keyring may pass it
//! explicitly in `KASSA_DEVICE_KEY`; nothing falls back silently.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use kassa_domain::{Error, ErrorCode, Result};
use rand::RngCore;
use zeroize::Zeroize;

/// The keyring service name Kassa's entries live under.
pub const KEYRING_SERVICE: &str = "app.kassa.desktop";
/// The environment variable that passes the device key explicitly on headless machines.
pub const KEY_ENV: &str = "KASSA_DEVICE_KEY";

const CHECK_PLAINTEXT: &[u8] = b"kassa device key";

/// Where the device key is kept.
#[derive(Clone)]
pub enum KeySource {
    /// The OS keyring, through the `keyring` crate.
    OsKeyring,
    /// A key given explicitly (from `KASSA_DEVICE_KEY`), for machines without a keyring.
    Explicit([u8; 32]),
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::OsKeyring => f.write_str("OsKeyring"),
            KeySource::Explicit(_) => f.write_str("Explicit(<hidden>)"),
        }
    }
}

impl KeySource {
    /// `Explicit` when `KASSA_DEVICE_KEY` is set (32 bytes, base64), else the OS keyring.
    pub fn from_env() -> Result<KeySource> {
        match std::env::var(KEY_ENV) {
            Ok(text) if !text.trim().is_empty() => {
                let text = text.trim();
                let mut bytes = STANDARD
                    .decode(text)
                    .or_else(|_| URL_SAFE_NO_PAD.decode(text))
                    .map_err(|_| {
                        Error::invalid_input(format!("{KEY_ENV} must be 32 bytes in base64"))
                    })?;
                let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
                    Error::invalid_input(format!(
                        "{KEY_ENV} must be 32 bytes in base64 (it has {} bytes)",
                        bytes.len()
                    ))
                })?;
                bytes.zeroize();
                Ok(KeySource::Explicit(key))
            }
            _ => Ok(KeySource::OsKeyring),
        }
    }

    /// A short description for status screens.
    pub fn describe(&self) -> &'static str {
        match self {
            KeySource::OsKeyring => "OS keyring",
            KeySource::Explicit(_) => KEY_ENV,
        }
    }

    fn entry(device_id: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(KEYRING_SERVICE, &format!("device-key:{device_id}"))
            .map_err(keyring_error)
    }

    /// Makes the key for a new device and keeps it where this source keeps keys.
    pub fn create(&self, device_id: &str) -> Result<DeviceKey> {
        match self {
            KeySource::Explicit(k) => Ok(DeviceKey(*k)),
            KeySource::OsKeyring => {
                let mut k = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut k);
                let mut encoded = STANDARD.encode(k);
                let stored = Self::entry(device_id)?
                    .set_password(&encoded)
                    .map_err(keyring_error);
                encoded.zeroize();
                stored?;
                Ok(DeviceKey(k))
            }
        }
    }

    /// Reads the key of an existing device.
    pub fn load(&self, device_id: &str) -> Result<DeviceKey> {
        match self {
            KeySource::Explicit(k) => Ok(DeviceKey(*k)),
            KeySource::OsKeyring => {
                let mut encoded = Self::entry(device_id)?.get_password().map_err(|e| match e {
                    keyring::Error::NoEntry => Error::new(
                        ErrorCode::KeyringUnavailable,
                        format!(
                            "the OS keyring has no key for this device ({device_id}); the data folder was set up on another machine or user, or with {KEY_ENV}"
                        ),
                    ),
                    other => keyring_error(other),
                })?;
                let decoded = STANDARD.decode(encoded.trim());
                encoded.zeroize();
                let mut bytes = decoded.map_err(|_| {
                    Error::new(
                        ErrorCode::KeyringUnavailable,
                        "the device key in the OS keyring is damaged",
                    )
                })?;
                let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
                    Error::new(
                        ErrorCode::KeyringUnavailable,
                        "the device key in the OS keyring is damaged",
                    )
                })?;
                bytes.zeroize();
                Ok(DeviceKey(key))
            }
        }
    }
}

fn keyring_error(e: keyring::Error) -> Error {
    Error::new(
        ErrorCode::KeyringUnavailable,
        format!(
            "the OS keyring is not reachable ({e}). Kassa keeps this device's key there: start a desktop session with a keyring (Secret Service), or on a headless machine pass the key explicitly in {KEY_ENV} (32 bytes, base64)"
        ),
    )
}

/// A 256-bit key that seals secrets with XChaCha20-Poly1305.
pub struct DeviceKey([u8; 32]);

impl Drop for DeviceKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceKey(<hidden>)")
    }
}

impl DeviceKey {
    /// Seals `plaintext`, bound to `context` (e.g. the row it belongs to): nonce ‖ ciphertext.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<Vec<u8>> {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| Error::internal("sealing a secret failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Opens what [`DeviceKey::seal`] sealed with the same `context`.
    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>> {
        if sealed.len() < 24 + 16 {
            return Err(Error::new(
                ErrorCode::Storage,
                "a sealed secret is truncated",
            ));
        }
        let (nonce, ct) = sealed.split_at(24);
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: context.as_bytes() })
            .map_err(|_| {
                Error::new(
                    ErrorCode::KeyringUnavailable,
                    "a secret could not be opened with this device's key (wrong key, or the data was altered)",
                )
            })
    }

    /// The value stored with the device to prove later that the right key was found.
    pub fn make_check(&self, device_id: &str) -> Result<Vec<u8>> {
        self.seal(CHECK_PLAINTEXT, &format!("key-check:{device_id}"))
    }

    /// Proves this is the key the device was set up with.
    pub fn verify_check(&self, check: &[u8], device_id: &str) -> Result<()> {
        match self.open(check, &format!("key-check:{device_id}")) {
            Ok(p) if p == CHECK_PLAINTEXT => Ok(()),
            _ => Err(Error::new(
                ErrorCode::KeyringUnavailable,
                "the device key found (in the keyring or KASSA_DEVICE_KEY) is not the one this data folder was set up with",
            )),
        }
    }

    /// A second handle on the same key, for use inside a write transaction.
    pub fn clone_key(&self) -> DeviceKey {
        DeviceKey(self.0)
    }

    /// Random URL-safe text of `bytes` random bytes (session tokens and the like).
    pub fn random_token(bytes: usize) -> String {
        let mut b = vec![0u8; bytes];
        rand::rngs::OsRng.fill_bytes(&mut b);
        URL_SAFE_NO_PAD.encode(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_the_same_key_and_context() {
        let k = KeySource::Explicit([1; 32]).create("d").unwrap();
        let sealed = k.seal(b"top secret", "row-1").unwrap();
        assert!(!sealed.windows(10).any(|w| w == b"top secret"));
        assert_eq!(k.open(&sealed, "row-1").unwrap(), b"top secret");
        assert!(k.open(&sealed, "row-2").is_err());
        let other = KeySource::Explicit([2; 32]).create("d").unwrap();
        assert!(other.open(&sealed, "row-1").is_err());
    }

    #[test]
    fn the_key_check_tells_a_wrong_key() {
        let k = DeviceKey([3; 32]);
        let check = k.make_check("dev").unwrap();
        assert!(k.verify_check(&check, "dev").is_ok());
        assert!(DeviceKey([4; 32]).verify_check(&check, "dev").is_err());
    }
}
