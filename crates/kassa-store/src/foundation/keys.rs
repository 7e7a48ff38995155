//! The two keys a device holds, both 256 bits from the OS's CSPRNG, both sealing with
//! XChaCha20-Poly1305:
//!
//! - the **device key** seals what never leaves this device (the CLI's session token, the
//!   sync token). One OS keyring entry per device (`device-key:<device id>`), or
//!   `KASSA_DEVICE_KEY` on a headless machine.
//! - the **store key** seals the secrets that sync to every device of the store (staff TOTP
//!   secrets). Made at setup (or once at open, for a store set up before store keys), sent
//!   to the server at the first device's pairing and handed to every device that joins.
//!   One OS keyring entry per store (`store-key:<store id>`), or `KASSA_STORE_KEY` on a
//!   headless machine.
//!
//! Keys live in the keyring, never in a file; nothing falls back silently. Each key proves
//! itself against a check value kept in the device-local `device` row. Each sealed purpose
//! has its own associated data, so a blob sealed for one purpose does not open as another.

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
/// The environment variable that passes the store key explicitly on headless machines.
pub const STORE_KEY_ENV: &str = "KASSA_STORE_KEY";

const CHECK_PLAINTEXT: &[u8] = b"kassa device key";
const STORE_CHECK_PLAINTEXT: &[u8] = b"kassa store key";

fn decode_key(text: &str, what: &str) -> Result<[u8; 32]> {
    let text = text.trim();
    let mut bytes = STANDARD
        .decode(text)
        .or_else(|_| URL_SAFE_NO_PAD.decode(text))
        .map_err(|_| Error::invalid_input(format!("{what} must be 32 bytes in base64")))?;
    let n = bytes.len();
    let key: std::result::Result<[u8; 32], _> = bytes.as_slice().try_into();
    bytes.zeroize();
    key.map_err(|_| {
        Error::invalid_input(format!(
            "{what} must be 32 bytes in base64 (it has {n} bytes)"
        ))
    })
}

fn seal_with(key: &[u8; 32], plaintext: &[u8], aad: &str) -> Result<Vec<u8>> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| Error::internal("sealing a secret failed"))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    Ok(out)
}

fn open_with(key: &[u8; 32], sealed: &[u8], aad: &str) -> Option<Vec<u8>> {
    if sealed.len() < 24 + 16 {
        return None;
    }
    let (nonce, ct) = sealed.split_at(24);
    XChaCha20Poly1305::new(key.into())
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ct,
                aad: aad.as_bytes(),
            },
        )
        .ok()
}

/// Where the device key (and, with it, the store key) is kept.
#[derive(Clone)]
pub enum KeySource {
    /// The OS keyring, through the `keyring` crate; the store key from the keyring too, or
    /// from `KASSA_STORE_KEY` when that is set.
    OsKeyring,
    /// A device key given explicitly (from `KASSA_DEVICE_KEY`), for machines without a
    /// keyring; the store key from `KASSA_STORE_KEY` when set, else the keyring.
    Explicit([u8; 32]),
    /// Both keys given explicitly (`KASSA_DEVICE_KEY` and `KASSA_STORE_KEY`), for headless
    /// machines and tests.
    ExplicitKeys { device: [u8; 32], store: [u8; 32] },
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::OsKeyring => f.write_str("OsKeyring"),
            KeySource::Explicit(_) => f.write_str("Explicit(<hidden>)"),
            KeySource::ExplicitKeys { .. } => f.write_str("ExplicitKeys(<hidden>)"),
        }
    }
}

impl KeySource {
    /// `KASSA_DEVICE_KEY` and `KASSA_STORE_KEY` (32 bytes, base64 each) when set, else the
    /// OS keyring.
    pub fn from_env() -> Result<KeySource> {
        let store = match StoreKeySource::from_env()? {
            StoreKeySource::Explicit(k) => Some(k),
            StoreKeySource::OsKeyring => None,
        };
        match std::env::var(KEY_ENV) {
            Ok(text) if !text.trim().is_empty() => {
                let device = decode_key(&text, KEY_ENV)?;
                Ok(match store {
                    Some(store) => KeySource::ExplicitKeys { device, store },
                    None => KeySource::Explicit(device),
                })
            }
            _ => Ok(KeySource::OsKeyring),
        }
    }

    /// Where the store key is kept: the explicit one given with the device key, else
    /// `KASSA_STORE_KEY` when set, else the OS keyring.
    pub fn store_source(&self) -> Result<StoreKeySource> {
        match self {
            KeySource::ExplicitKeys { store, .. } => Ok(StoreKeySource::Explicit(*store)),
            _ => StoreKeySource::from_env(),
        }
    }

    /// A short description for status screens.
    pub fn describe(&self) -> &'static str {
        match self {
            KeySource::OsKeyring => "OS keyring",
            KeySource::Explicit(_) | KeySource::ExplicitKeys { .. } => KEY_ENV,
        }
    }

    fn entry(device_id: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(KEYRING_SERVICE, &format!("device-key:{device_id}"))
            .map_err(keyring_error)
    }

    /// Makes the key for a new device and keeps it where this source keeps keys.
    pub fn create(&self, device_id: &str) -> Result<DeviceKey> {
        match self {
            KeySource::Explicit(k) | KeySource::ExplicitKeys { device: k, .. } => Ok(DeviceKey(*k)),
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
            KeySource::Explicit(k) | KeySource::ExplicitKeys { device: k, .. } => Ok(DeviceKey(*k)),
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
    /// Only for what never leaves this device: what syncs is sealed with the [`StoreKey`].
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<Vec<u8>> {
        seal_with(&self.0, plaintext, context)
    }

    /// Opens what [`DeviceKey::seal`] sealed with the same `context`.
    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>> {
        if sealed.len() < 24 + 16 {
            return Err(Error::new(
                ErrorCode::Storage,
                "a sealed secret is truncated",
            ));
        }
        open_with(&self.0, sealed, context).ok_or_else(|| {
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

/// Where the store key is kept.
#[derive(Clone)]
pub enum StoreKeySource {
    /// The OS keyring: one entry `store-key:<store id>` under [`KEYRING_SERVICE`].
    OsKeyring,
    /// A key given explicitly (from `KASSA_STORE_KEY`), for machines without a keyring.
    Explicit([u8; 32]),
}

impl std::fmt::Debug for StoreKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreKeySource::OsKeyring => f.write_str("OsKeyring"),
            StoreKeySource::Explicit(_) => f.write_str("Explicit(<hidden>)"),
        }
    }
}

impl StoreKeySource {
    /// `Explicit` when `KASSA_STORE_KEY` is set (32 bytes, base64), else the OS keyring.
    pub fn from_env() -> Result<StoreKeySource> {
        match std::env::var(STORE_KEY_ENV) {
            Ok(text) if !text.trim().is_empty() => {
                Ok(StoreKeySource::Explicit(decode_key(&text, STORE_KEY_ENV)?))
            }
            _ => Ok(StoreKeySource::OsKeyring),
        }
    }

    /// A short description for status screens.
    pub fn describe(&self) -> &'static str {
        match self {
            StoreKeySource::OsKeyring => "OS keyring",
            StoreKeySource::Explicit(_) => STORE_KEY_ENV,
        }
    }

    fn entry(store_id: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(KEYRING_SERVICE, &format!("store-key:{store_id}"))
            .map_err(store_keyring_error)
    }

    /// Makes the key of a new store (or of a store set up before store keys) and keeps it
    /// where this source keeps keys. An explicit source's key is the store's key.
    pub fn create(&self, store_id: &str) -> Result<StoreKey> {
        match self {
            StoreKeySource::Explicit(k) => Ok(StoreKey(*k)),
            StoreKeySource::OsKeyring => {
                let mut k = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut k);
                let key = StoreKey(k);
                k.zeroize();
                self.install(store_id, &key)?;
                Ok(key)
            }
        }
    }

    /// Keeps a store key received from the server (a device joining its store): in the
    /// keyring, or, for an explicit source, checks that `KASSA_STORE_KEY` is that key.
    pub fn install(&self, store_id: &str, key: &StoreKey) -> Result<()> {
        match self {
            StoreKeySource::Explicit(k) if *k == key.0 => Ok(()),
            StoreKeySource::Explicit(_) => Err(Error::new(
                ErrorCode::StoreKeyMismatch,
                format!(
                    "{STORE_KEY_ENV} is not the key of store {store_id} that the server handed out; set it to the store's key (or unset it to keep the key in the OS keyring)"
                ),
            )),
            StoreKeySource::OsKeyring => {
                let mut encoded = STANDARD.encode(key.0);
                let stored = Self::entry(store_id)?
                    .set_password(&encoded)
                    .map_err(store_keyring_error);
                encoded.zeroize();
                stored
            }
        }
    }

    /// Reads the key of a store.
    pub fn load(&self, store_id: &str) -> Result<StoreKey> {
        match self {
            StoreKeySource::Explicit(k) => Ok(StoreKey(*k)),
            StoreKeySource::OsKeyring => {
                let damaged = || {
                    Error::new(
                        ErrorCode::KeyringUnavailable,
                        "the store key in the OS keyring is damaged",
                    )
                };
                let mut encoded = Self::entry(store_id)?.get_password().map_err(|e| match e {
                    keyring::Error::NoEntry => Error::new(
                        ErrorCode::KeyringUnavailable,
                        format!(
                            "the OS keyring has no key for store {store_id}; pair this device again to receive it, or pass it in {STORE_KEY_ENV}"
                        ),
                    ),
                    other => store_keyring_error(other),
                })?;
                let decoded = STANDARD.decode(encoded.trim());
                encoded.zeroize();
                let mut bytes = decoded.map_err(|_| damaged())?;
                let key: std::result::Result<[u8; 32], _> = bytes.as_slice().try_into();
                bytes.zeroize();
                Ok(StoreKey(key.map_err(|_| damaged())?))
            }
        }
    }
}

fn store_keyring_error(e: keyring::Error) -> Error {
    Error::new(
        ErrorCode::KeyringUnavailable,
        format!(
            "the OS keyring is not reachable ({e}). Kassa keeps the store key there: start a desktop session with a keyring (Secret Service), or on a headless machine pass the key explicitly in {STORE_KEY_ENV} (32 bytes, base64)"
        ),
    )
}

/// Keeps a store key received at pairing (base64url, as `PairResponse::store_key` carries
/// it) where `source` keeps store keys. A joining device calls this before
/// [`crate::foundation::device::join`], which checks the key and records its check value.
pub fn install_store_key(source: &StoreKeySource, store_id: &str, key_b64: &str) -> Result<()> {
    let key = StoreKey::from_base64(key_b64)?;
    source.install(store_id, &key)
}

/// A store's 256-bit key: seals what syncs to every device of the store.
pub struct StoreKey([u8; 32]);

impl Drop for StoreKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(<hidden>)")
    }
}

impl StoreKey {
    /// A key from its bytes.
    pub fn from_bytes(key: [u8; 32]) -> StoreKey {
        StoreKey(key)
    }

    /// A keyed hash (HMAC-SHA-256) of `data` for `purpose`: the same on every device of the
    /// store, and nothing without the key.
    pub fn mac(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        use hmac::Mac;
        let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::digest::KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(b"kassa.store-key:");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// A key as pairing carries it: 32 bytes in base64url (standard base64 is accepted).
    pub fn from_base64(text: &str) -> Result<StoreKey> {
        decode_key(text, "the store key").map(StoreKey)
    }

    /// The key as pairing carries it: base64url without padding. Only for the pairing
    /// request; never logged or stored in the database.
    pub fn to_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// Whether two handles hold the same key (constant time is not needed: neither side
    /// comes from an attacker who learns from timing).
    pub fn same_as(&self, other: &StoreKey) -> bool {
        self.0 == other.0
    }

    fn aad(context: &str) -> String {
        format!("kassa.store-key:{context}")
    }

    /// Seals `plaintext` for every device of the store, bound to `context` (the purpose
    /// and row it belongs to): nonce ‖ ciphertext.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<Vec<u8>> {
        seal_with(&self.0, plaintext, &Self::aad(context))
    }

    /// Opens what [`StoreKey::seal`] sealed with the same `context`; a key that does not
    /// open it is `store_key_mismatch`.
    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>> {
        open_with(&self.0, sealed, &Self::aad(context)).ok_or_else(|| {
            Error::new(
                ErrorCode::StoreKeyMismatch,
                "a secret of this store could not be opened with the store key this device holds (a wrong KASSA_STORE_KEY, or a key from another store); pair the device again to receive the store's key",
            )
        })
    }

    /// The value kept in this device's row to prove later that the right key was found.
    pub fn make_check(&self, store_id: &str) -> Result<Vec<u8>> {
        self.seal(STORE_CHECK_PLAINTEXT, &format!("key-check:{store_id}"))
    }

    /// Proves this is the store's key.
    pub fn verify_check(&self, check: &[u8], store_id: &str) -> Result<()> {
        match open_with(&self.0, check, &Self::aad(&format!("key-check:{store_id}"))) {
            Some(p) if p == STORE_CHECK_PLAINTEXT => Ok(()),
            _ => Err(Error::new(
                ErrorCode::StoreKeyMismatch,
                format!(
                    "the store key found (in the keyring or {STORE_KEY_ENV}) is not the key of store {store_id}"
                ),
            )),
        }
    }

    /// A second handle on the same key, for use inside a write transaction.
    pub fn clone_key(&self) -> StoreKey {
        StoreKey(self.0)
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
    fn a_store_key_seals_for_its_own_purpose_only() {
        let device = DeviceKey([5; 32]);
        let store = StoreKey([5; 32]);
        // Same bytes, same context: the purpose in the associated data still tells them apart.
        let by_store = store.seal(b"totp", "staff.totp_secret:1").unwrap();
        assert!(device.open(&by_store, "staff.totp_secret:1").is_err());
        let by_device = device.seal(b"totp", "staff.totp_secret:1").unwrap();
        let err = store.open(&by_device, "staff.totp_secret:1").unwrap_err();
        assert_eq!(err.code, ErrorCode::StoreKeyMismatch);
        assert_eq!(
            store.open(&by_store, "staff.totp_secret:1").unwrap(),
            b"totp"
        );
        assert!(
            StoreKey([6; 32])
                .open(&by_store, "staff.totp_secret:1")
                .is_err()
        );
        let check = store.make_check("s").unwrap();
        assert!(store.verify_check(&check, "s").is_ok());
        assert!(store.verify_check(&check, "t").is_err());
        assert!(StoreKey([6; 32]).verify_check(&check, "s").is_err());
    }

    #[test]
    fn a_store_key_travels_as_base64url_and_an_explicit_source_checks_it() {
        let key = StoreKey([9; 32]);
        let text = key.to_base64();
        assert!(StoreKey::from_base64(&text).unwrap().same_as(&key));
        assert!(StoreKey::from_base64("c2hvcnQ").is_err());
        let source = StoreKeySource::Explicit([9; 32]);
        assert!(install_store_key(&source, "s", &text).is_ok());
        let err = install_store_key(&StoreKeySource::Explicit([1; 32]), "s", &text).unwrap_err();
        assert_eq!(err.code, ErrorCode::StoreKeyMismatch);
    }

    #[test]
    fn the_key_check_tells_a_wrong_key() {
        let k = DeviceKey([3; 32]);
        let check = k.make_check("dev").unwrap();
        assert!(k.verify_check(&check, "dev").is_ok());
        assert!(DeviceKey([4; 32]).verify_check(&check, "dev").is_err());
    }
}
