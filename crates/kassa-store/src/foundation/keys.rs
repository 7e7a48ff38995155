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
//!   headless machine. That is the key's first epoch: when a device is revoked the server
//!   makes the next epoch's key, and the remaining devices fetch it and keep it in
//!   `store_key_epochs`, sealed under the device key (`key_epochs`). A [`StoreKey`] holds
//!   every epoch the device has; it seals under the newest and opens by the epoch a blob
//!   names.
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
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    seal_with_nonce(key, &nonce, plaintext, aad)
}

fn seal_with_nonce(
    key: &[u8; 32],
    nonce: &[u8; 24],
    plaintext: &[u8],
    aad: &str,
) -> Result<Vec<u8>> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let ct = cipher
        .encrypt(
            XNonce::from_slice(nonce),
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
            StoreKeySource::Explicit(k) => Ok(StoreKey::from_bytes(*k)),
            StoreKeySource::OsKeyring => {
                let mut k = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut k);
                let key = StoreKey::from_bytes(k);
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
            StoreKeySource::Explicit(k) if key.bytes_of(FIRST_EPOCH) == Some(*k) => Ok(()),
            StoreKeySource::Explicit(_) => Err(Error::new(
                ErrorCode::StoreKeyMismatch,
                format!(
                    "{STORE_KEY_ENV} is not the key of store {store_id} that the server handed out; set it to the store's key (or unset it to keep the key in the OS keyring)"
                ),
            )),
            StoreKeySource::OsKeyring => {
                let Some(mut bytes) = key.bytes_of(FIRST_EPOCH) else {
                    return Err(Error::invalid_input(
                        "only the store key's first epoch is kept in the keyring entry of the store",
                    ));
                };
                let mut encoded = STANDARD.encode(bytes);
                bytes.zeroize();
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
            StoreKeySource::Explicit(k) => Ok(StoreKey::from_bytes(*k)),
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
                Ok(StoreKey::from_bytes(key.map_err(|_| damaged())?))
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

/// The epoch of the key a store is set up with. Blobs it sealed carry no epoch prefix.
pub const FIRST_EPOCH: u32 = 1;

/// How a blob sealed under a later epoch starts: these bytes, then the epoch (u32, big
/// endian), then nonce ‖ ciphertext. A blob without them is the first epoch's.
const EPOCH_MAGIC: &[u8; 3] = b"kse";
const EPOCH_HEADER: usize = 3 + 4;

/// A store's 256-bit keys, one per epoch: seals what syncs to every device of the store.
///
/// A store key is rotated when a device is revoked: the server makes the next epoch's key and
/// the remaining devices fetch it. A device keeps every epoch it received, so what older keys
/// sealed still opens; it always seals (and hashes new voucher codes) under the newest.
pub struct StoreKey {
    /// Ascending by epoch, never empty, no epoch twice.
    keys: Vec<(u32, [u8; 32])>,
}

impl Drop for StoreKey {
    fn drop(&mut self) {
        for (_, k) in &mut self.keys {
            k.zeroize();
        }
    }
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoreKey(epochs {:?}, <hidden>)", self.epochs())
    }
}

impl StoreKey {
    /// The first epoch's key from its bytes.
    pub fn from_bytes(key: [u8; 32]) -> StoreKey {
        StoreKey::at_epoch(FIRST_EPOCH, key)
    }

    /// One epoch's key from its bytes.
    pub fn at_epoch(epoch: u32, key: [u8; 32]) -> StoreKey {
        StoreKey {
            keys: vec![(epoch.max(FIRST_EPOCH), key)],
        }
    }

    /// The newest epoch held: what [`StoreKey::seal`] and [`StoreKey::mac`] use.
    pub fn epoch(&self) -> u32 {
        self.keys.last().map_or(FIRST_EPOCH, |(e, _)| *e)
    }

    /// Every epoch held, oldest first.
    pub fn epochs(&self) -> Vec<u32> {
        self.keys.iter().map(|(e, _)| *e).collect()
    }

    /// Whether the key of `epoch` is held.
    pub fn has_epoch(&self, epoch: u32) -> bool {
        self.keys.iter().any(|(e, _)| *e == epoch)
    }

    /// Adds the epochs of `other` this key does not hold yet.
    pub fn add(&mut self, other: &StoreKey) {
        for (e, k) in &other.keys {
            if !self.has_epoch(*e) {
                self.keys.push((*e, *k));
            }
        }
        self.keys.sort_by_key(|(e, _)| *e);
    }

    /// The key of one epoch alone, if held.
    pub fn only(&self, epoch: u32) -> Option<StoreKey> {
        self.keys
            .iter()
            .find(|(e, _)| *e == epoch)
            .map(|(e, k)| StoreKey::at_epoch(*e, *k))
    }

    fn newest(&self) -> &[u8; 32] {
        // `keys` is never empty: every constructor makes one.
        &self.keys[self.keys.len() - 1].1
    }

    fn mac_with(key: &[u8; 32], purpose: &str, data: &[u8]) -> [u8; 32] {
        use hmac::Mac;
        let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::digest::KeyInit>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(b"kassa.store-key:");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// A keyed hash (HMAC-SHA-256) of `data` for `purpose` under the newest epoch: the same
    /// on every device of the store holding that epoch, and nothing without the key.
    pub fn mac(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        Self::mac_with(self.newest(), purpose, data)
    }

    /// [`StoreKey::mac`] under every epoch held, newest first (a lookup of something hashed
    /// before a rotation: the hash cannot be made again without the original data).
    pub fn macs(&self, purpose: &str, data: &[u8]) -> Vec<(u32, [u8; 32])> {
        self.keys
            .iter()
            .rev()
            .map(|(e, k)| (*e, Self::mac_with(k, purpose, data)))
            .collect()
    }

    /// A key as pairing carries it: 32 bytes in base64url (standard base64 is accepted).
    pub fn from_base64(text: &str) -> Result<StoreKey> {
        decode_key(text, "the store key").map(StoreKey::from_bytes)
    }

    /// One epoch's key as the server hands it out (base64url).
    pub fn from_base64_at(epoch: u32, text: &str) -> Result<StoreKey> {
        if epoch < FIRST_EPOCH {
            return Err(Error::invalid_input("a store key's epoch starts at 1"));
        }
        decode_key(text, "the store key").map(|k| StoreKey::at_epoch(epoch, k))
    }

    /// The oldest key held (the first epoch's, on a set-up device) as pairing carries it:
    /// base64url without padding. Only for the pairing request; never logged or stored in
    /// the database.
    pub fn to_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.keys[0].1)
    }

    /// Whether two handles hold the same keys (constant time is not needed: neither side
    /// comes from an attacker who learns from timing).
    pub fn same_as(&self, other: &StoreKey) -> bool {
        self.keys == other.keys
    }

    fn aad(epoch: u32, context: &str) -> String {
        if epoch == FIRST_EPOCH {
            format!("kassa.store-key:{context}")
        } else {
            format!("kassa.store-key:e{epoch}:{context}")
        }
    }

    /// The epoch a sealed blob names (the first epoch when it has no epoch prefix).
    pub fn sealed_epoch(sealed: &[u8]) -> u32 {
        Self::split(sealed).0
    }

    fn split(sealed: &[u8]) -> (u32, &[u8]) {
        if sealed.len() >= EPOCH_HEADER + 24 + 16 && sealed.starts_with(EPOCH_MAGIC) {
            let mut e = [0u8; 4];
            e.copy_from_slice(&sealed[3..EPOCH_HEADER]);
            let epoch = u32::from_be_bytes(e);
            if epoch > FIRST_EPOCH {
                return (epoch, &sealed[EPOCH_HEADER..]);
            }
        }
        (FIRST_EPOCH, sealed)
    }

    /// Seals `plaintext` for every device of the store under the newest epoch, bound to
    /// `context` (the purpose and row it belongs to): nonce ‖ ciphertext, after an epoch
    /// prefix for any epoch but the first.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<Vec<u8>> {
        let epoch = self.epoch();
        let body = seal_with(self.newest(), plaintext, &Self::aad(epoch, context))?;
        Ok(Self::with_epoch_header(epoch, body))
    }

    /// As [`StoreKey::seal`], with the nonce derived from the newest epoch's key, `context`
    /// and `plaintext` (the first 24 bytes of their HMAC-SHA-256) instead of drawn at random:
    /// two devices sealing one secret again under one epoch make the same bytes, so the
    /// copies they sync agree byte for byte. Only for sealing again what is already sealed
    /// (a rotation): the blob tells no more than that it holds the secret it held before.
    pub fn reseal(&self, plaintext: &[u8], context: &str) -> Result<Vec<u8>> {
        let epoch = self.epoch();
        let aad = Self::aad(epoch, context);
        let mut data = Vec::with_capacity(aad.len() + 1 + plaintext.len());
        data.extend_from_slice(aad.as_bytes());
        data.push(0);
        data.extend_from_slice(plaintext);
        let mut mac = Self::mac_with(self.newest(), "reseal", &data);
        data.zeroize();
        let mut nonce = [0u8; 24];
        nonce.copy_from_slice(&mac[..24]);
        mac.zeroize();
        let body = seal_with_nonce(self.newest(), &nonce, plaintext, &aad)?;
        Ok(Self::with_epoch_header(epoch, body))
    }

    fn with_epoch_header(epoch: u32, body: Vec<u8>) -> Vec<u8> {
        if epoch == FIRST_EPOCH {
            return body;
        }
        let mut out = Vec::with_capacity(EPOCH_HEADER + body.len());
        out.extend_from_slice(EPOCH_MAGIC);
        out.extend_from_slice(&epoch.to_be_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// Opens what [`StoreKey::seal`] sealed with the same `context`, with the key of the
    /// epoch the blob names; a blob no held key opens is `store_key_mismatch`.
    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>> {
        let (epoch, body) = Self::split(sealed);
        let by_prefix = self
            .keys
            .iter()
            .find(|(e, _)| *e == epoch)
            .and_then(|(_, k)| open_with(k, body, &Self::aad(epoch, context)));
        // A first-epoch blob is a random nonce first, which may start like a prefix.
        let opened = by_prefix.or_else(|| {
            (epoch != FIRST_EPOCH)
                .then(|| {
                    self.keys
                        .iter()
                        .find(|(e, _)| *e == FIRST_EPOCH)
                        .and_then(|(_, k)| open_with(k, sealed, &Self::aad(FIRST_EPOCH, context)))
                })
                .flatten()
        });
        opened.ok_or_else(|| {
            let detail = if self.has_epoch(epoch) {
                "a wrong KASSA_STORE_KEY, or a key from another store".to_string()
            } else {
                format!(
                    "it was sealed under the store key's epoch {epoch}, which this device does not hold yet; sync to receive it"
                )
            };
            Error::new(
                ErrorCode::StoreKeyMismatch,
                format!(
                    "a secret of this store could not be opened with the store keys this device holds ({detail}); pair the device again if syncing does not help"
                ),
            )
        })
    }

    /// The value kept in this device's row to prove later that the right first-epoch key
    /// was found.
    pub fn make_check(&self, store_id: &str) -> Result<Vec<u8>> {
        seal_with(
            &self.keys[0].1,
            STORE_CHECK_PLAINTEXT,
            &Self::aad(FIRST_EPOCH, &format!("key-check:{store_id}")),
        )
    }

    /// Proves the oldest key held is the store's first-epoch key.
    pub fn verify_check(&self, check: &[u8], store_id: &str) -> Result<()> {
        match open_with(
            &self.keys[0].1,
            check,
            &Self::aad(FIRST_EPOCH, &format!("key-check:{store_id}")),
        ) {
            Some(p) if p == STORE_CHECK_PLAINTEXT => Ok(()),
            _ => Err(Error::new(
                ErrorCode::StoreKeyMismatch,
                format!(
                    "the store key found (in the keyring or {STORE_KEY_ENV}) is not the key of store {store_id}"
                ),
            )),
        }
    }

    /// A second handle on the same keys, for use inside a write transaction.
    pub fn clone_key(&self) -> StoreKey {
        StoreKey {
            keys: self.keys.clone(),
        }
    }

    /// How a blob sealed under the newest epoch starts (empty for the first epoch).
    pub(crate) fn epoch_header(&self) -> Vec<u8> {
        let epoch = self.epoch();
        if epoch == FIRST_EPOCH {
            return Vec::new();
        }
        let mut h = EPOCH_MAGIC.to_vec();
        h.extend_from_slice(&epoch.to_be_bytes());
        h
    }

    /// One epoch's key bytes, for sealing under the device key; never logged.
    pub(crate) fn bytes_of(&self, epoch: u32) -> Option<[u8; 32]> {
        self.keys.iter().find(|(e, _)| *e == epoch).map(|(_, k)| *k)
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
        let store = StoreKey::from_bytes([5; 32]);
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
            StoreKey::from_bytes([6; 32])
                .open(&by_store, "staff.totp_secret:1")
                .is_err()
        );
        let check = store.make_check("s").unwrap();
        assert!(store.verify_check(&check, "s").is_ok());
        assert!(store.verify_check(&check, "t").is_err());
        assert!(
            StoreKey::from_bytes([6; 32])
                .verify_check(&check, "s")
                .is_err()
        );
    }

    #[test]
    fn a_store_key_travels_as_base64url_and_an_explicit_source_checks_it() {
        let key = StoreKey::from_bytes([9; 32]);
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

    #[test]
    fn a_rotated_store_key_seals_under_its_newest_epoch_and_still_opens_the_old_ones() {
        let first = StoreKey::from_bytes([7; 32]);
        let old_blob = first.seal(b"old secret", "staff.totp_secret:1").unwrap();
        assert_eq!(StoreKey::sealed_epoch(&old_blob), FIRST_EPOCH);

        let mut ring = first.clone_key();
        ring.add(&StoreKey::at_epoch(2, [8; 32]));
        assert_eq!((ring.epoch(), ring.epochs()), (2, vec![1, 2]));
        let new_blob = ring.seal(b"new secret", "staff.totp_secret:2").unwrap();
        assert_eq!(StoreKey::sealed_epoch(&new_blob), 2);
        assert_eq!(
            ring.open(&old_blob, "staff.totp_secret:1").unwrap(),
            b"old secret"
        );
        assert_eq!(
            ring.open(&new_blob, "staff.totp_secret:2").unwrap(),
            b"new secret"
        );

        // A device that kept only the first epoch (a revoked one) opens nothing new.
        let err = first.open(&new_blob, "staff.totp_secret:2").unwrap_err();
        assert_eq!(err.code, ErrorCode::StoreKeyMismatch);
        assert!(err.message.contains("epoch 2"), "{err}");
        // The newest epoch alone does not open what the first sealed.
        assert!(
            ring.only(2)
                .unwrap()
                .open(&old_blob, "staff.totp_secret:1")
                .is_err()
        );
        // The check value stays the first epoch's.
        let check = first.make_check("s").unwrap();
        assert!(ring.verify_check(&check, "s").is_ok());
        // Hashes: the newest epoch for new ones, every epoch for lookups.
        assert_eq!(
            ring.mac("p", b"x"),
            StoreKey::at_epoch(2, [8; 32]).mac("p", b"x")
        );
        let all = ring.macs("p", b"x");
        assert_eq!(all.iter().map(|(e, _)| *e).collect::<Vec<_>>(), vec![2, 1]);
        assert_eq!(all[1].1, first.mac("p", b"x"));
    }

    #[test]
    fn sealing_again_makes_the_same_bytes_for_the_same_secret_epoch_and_row_only() {
        let mut k = StoreKey::from_bytes([5; 32]);
        k.add(&StoreKey::at_epoch(2, [6; 32]));
        let a = k.reseal(b"secret", "staff.totp_secret:s1").unwrap();
        assert_eq!(a, k.reseal(b"secret", "staff.totp_secret:s1").unwrap());
        assert_eq!(StoreKey::sealed_epoch(&a), 2);
        assert_eq!(k.open(&a, "staff.totp_secret:s1").unwrap(), b"secret");
        assert_ne!(a, k.reseal(b"other!", "staff.totp_secret:s1").unwrap());
        assert_ne!(a, k.reseal(b"secret", "staff.totp_secret:s2").unwrap());
        let mut k3 = k.clone_key();
        k3.add(&StoreKey::at_epoch(3, [7; 32]));
        assert_ne!(
            a[7..],
            k3.reseal(b"secret", "staff.totp_secret:s1").unwrap()[7..]
        );
        // Ordinary sealing stays random.
        assert_ne!(
            k.seal(b"secret", "staff.totp_secret:s1").unwrap(),
            k.seal(b"secret", "staff.totp_secret:s1").unwrap()
        );
    }

    #[test]
    fn a_first_epoch_blob_whose_nonce_looks_like_a_prefix_still_opens() {
        let mut ring = StoreKey::from_bytes([7; 32]);
        ring.add(&StoreKey::at_epoch(3, [9; 32]));
        // A nonce is random: one in 2^56 starts like an epoch-3 prefix. Made here on purpose.
        let mut nonce = [0u8; 24];
        nonce[..3].copy_from_slice(EPOCH_MAGIC);
        nonce[3..7].copy_from_slice(&3u32.to_be_bytes());
        let ct = XChaCha20Poly1305::new((&[7u8; 32]).into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: b"a twenty-byte secret",
                    aad: StoreKey::aad(FIRST_EPOCH, "c").as_bytes(),
                },
            )
            .unwrap();
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ct);
        assert_eq!(StoreKey::sealed_epoch(&blob), 3);
        assert_eq!(ring.open(&blob, "c").unwrap(), b"a twenty-byte secret");
    }
}
