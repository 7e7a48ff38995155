//! The server key: 256 bits that seal every store's store key at rest.
//!
//! A store's first device sends its store key at pairing and every device that joins later
//! receives it. The database keeps it only sealed (XChaCha20-Poly1305 under this key, bound
//! to the store's id), so a copy of the database alone opens no store's secrets. When a
//! device is revoked the server makes the store key's next epoch and seals it the same way;
//! every epoch is kept.
//!
//! The key comes from `KASSA_SERVER_KEY` (32 bytes, base64) when set; otherwise from the
//! file `server.key` in the server's data folder, made on first run with mode 0600. That
//! file is the server's secret, like a TLS private key: back it up with the database and
//! keep it from everyone else. Several instances on one PostgreSQL must share one key.

use crate::ServerError;
use crate::error::ApiError;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use rand::rngs::OsRng;
use std::path::Path;
use zeroize::Zeroize;

/// The environment variable that passes the server key explicitly.
pub const SERVER_KEY_ENV: &str = "KASSA_SERVER_KEY";
/// The file in the data folder that keeps the server key when the variable is not set.
pub const SERVER_KEY_FILE: &str = "server.key";

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// The key the server seals store keys with.
#[derive(Clone)]
pub struct ServerKey([u8; 32]);

impl Drop for ServerKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(<hidden>)")
    }
}

fn decode_key(text: &str, what: &str) -> Result<[u8; 32], ServerError> {
    let text = text.trim();
    let mut bytes = STANDARD
        .decode(text)
        .or_else(|_| URL_SAFE_NO_PAD.decode(text))
        .map_err(|_| ServerError::Config(format!("{what} must be 32 bytes in base64")))?;
    let key: Result<[u8; 32], _> = bytes.as_slice().try_into();
    let n = bytes.len();
    bytes.zeroize();
    key.map_err(|_| {
        ServerError::Config(format!(
            "{what} must be 32 bytes in base64 (it has {n} bytes)"
        ))
    })
}

impl ServerKey {
    /// A key from its bytes (tests, or a caller with its own key store).
    pub fn from_bytes(key: [u8; 32]) -> ServerKey {
        ServerKey(key)
    }

    /// A new random key, kept nowhere (tests).
    pub fn generate() -> ServerKey {
        let mut k = [0u8; 32];
        OsRng.fill_bytes(&mut k);
        ServerKey(k)
    }

    /// `KASSA_SERVER_KEY` when set, else `data_dir/server.key`, made (mode 0600) when
    /// absent.
    pub fn load(data_dir: &Path) -> Result<ServerKey, ServerError> {
        match std::env::var(SERVER_KEY_ENV) {
            Ok(text) if !text.trim().is_empty() => {
                Ok(ServerKey(decode_key(&text, SERVER_KEY_ENV)?))
            }
            _ => ServerKey::load_file(&data_dir.join(SERVER_KEY_FILE)),
        }
    }

    /// Reads the key file, or makes it (readable by its owner alone) when it does not exist.
    pub fn load_file(path: &Path) -> Result<ServerKey, ServerError> {
        match std::fs::read_to_string(path) {
            Ok(mut text) => {
                let key = decode_key(&text, &format!("the server key file {}", path.display()));
                text.zeroize();
                return key.map(ServerKey);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(ServerError::Io {
                    context: format!("cannot read the server key file {}", path.display()),
                    source: e,
                });
            }
        }
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| ServerError::Io {
                context: format!("cannot create the data folder {}", dir.display()),
                source,
            })?;
        }
        let key = ServerKey::generate();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut encoded = STANDARD.encode(key.0);
        encoded.push('\n');
        let written = options.open(path).and_then(|mut f| {
            use std::io::Write;
            f.write_all(encoded.as_bytes())?;
            f.sync_all()
        });
        encoded.zeroize();
        match written {
            Ok(()) => {
                tracing::info!(path = %path.display(), "made a new server key");
                Ok(key)
            }
            // Another instance made it first: use that one.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => ServerKey::load_file(path),
            Err(source) => Err(ServerError::Io {
                context: format!("cannot write the server key file {}", path.display()),
                source,
            }),
        }
    }

    /// A new store key (the next epoch's, at a revocation): 256 bits from the OS's CSPRNG.
    pub fn new_store_key() -> [u8; 32] {
        let mut k = [0u8; 32];
        OsRng.fill_bytes(&mut k);
        k
    }

    fn context(store_id: &str) -> String {
        format!("kassa-server/store-key:{store_id}")
    }

    /// Seals a store key (of any epoch) for the database: nonce ‖ ciphertext, bound to the
    /// store id; the epoch is kept beside it.
    pub fn seal_store_key(
        &self,
        store_id: &str,
        store_key: &[u8; 32],
    ) -> Result<Vec<u8>, ApiError> {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let aad = Self::context(store_id);
        let ct = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: store_key,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| ApiError::internal("sealing a store key failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Opens what [`ServerKey::seal_store_key`] sealed for `store_id`. A key that does not
    /// open it is `server_key_mismatch` (500): the server runs with another key than the one
    /// the store was paired under.
    pub fn open_store_key(&self, store_id: &str, sealed: &[u8]) -> Result<[u8; 32], ApiError> {
        let mismatch = || {
            tracing::error!(store = %store_id, "the server key does not open a store's key");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_key_mismatch",
                format!(
                    "the server cannot open this store's key: it runs with another server key than the one the store was paired under; an admin must restore {SERVER_KEY_FILE} or {SERVER_KEY_ENV}"
                ),
            )
        };
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(mismatch());
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let aad = Self::context(store_id);
        let mut plain = XChaCha20Poly1305::new((&self.0).into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| mismatch())?;
        let key: Result<[u8; 32], _> = plain.as_slice().try_into();
        plain.zeroize();
        key.map_err(|_| mismatch())
    }
}

/// A store key as a device sends it: 32 bytes in base64url without padding (standard base64
/// is accepted too). Anything else is `invalid_input`.
pub fn decode_store_key(text: &str) -> Result<[u8; 32], ApiError> {
    let text = text.trim();
    let mut bytes = URL_SAFE_NO_PAD
        .decode(text)
        .or_else(|_| STANDARD.decode(text))
        .map_err(|_| ApiError::invalid("store_key must be 32 bytes in base64url"))?;
    let key: Result<[u8; 32], _> = bytes.as_slice().try_into();
    let n = bytes.len();
    bytes.zeroize();
    key.map_err(|_| {
        ApiError::invalid(format!(
            "store_key must be 32 bytes in base64url (it has {n} bytes)"
        ))
    })
}

/// A store key as the server sends it: base64url without padding.
pub fn encode_store_key(key: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_store_key_opens_with_the_same_server_key_and_store_only() {
        let k = ServerKey::from_bytes([5; 32]);
        let sealed = k.seal_store_key("store-a", &[9; 32]).unwrap();
        assert!(!sealed.windows(32).any(|w| w == [9; 32]));
        assert_eq!(k.open_store_key("store-a", &sealed).unwrap(), [9; 32]);
        assert!(k.open_store_key("store-b", &sealed).is_err());
        let other = ServerKey::from_bytes([6; 32]);
        let err = other.open_store_key("store-a", &sealed).unwrap_err();
        assert_eq!(err.code, "server_key_mismatch");
        assert!(k.open_store_key("store-a", b"short").is_err());
    }

    #[test]
    fn the_key_file_is_made_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join(SERVER_KEY_FILE);
        let made = ServerKey::load_file(&path).unwrap();
        let again = ServerKey::load_file(&path).unwrap();
        assert_eq!(made.0, again.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key").unwrap();
        assert!(matches!(
            ServerKey::load_file(&path),
            Err(ServerError::Config(_))
        ));
    }

    #[test]
    fn a_store_key_from_a_device_must_be_32_bytes() {
        let text = encode_store_key(&[7; 32]);
        assert_eq!(decode_store_key(&text).unwrap(), [7; 32]);
        assert!(decode_store_key("").is_err());
        assert!(decode_store_key(&URL_SAFE_NO_PAD.encode([1; 16])).is_err());
        assert!(decode_store_key("%%%").is_err());
    }
}
