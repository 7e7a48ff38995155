//! One error type for the whole core, carrying a stable machine code.
//!
//! The code is what the CLI prints in `{"error":{"code":...}}` and what the UI
//! matches on; the message is for people. Codes never change meaning.

use std::fmt;

/// A stable, snake_case error code shared by the CLI, the UI and the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidInput,
    NotFound,
    Unauthenticated,
    InvalidCredentials,
    AccountLocked,
    TotpReused,
    Forbidden,
    InsufficientStock,
    /// Fewer seats are left on a departure (or its shared pool, or an option) than asked for.
    InsufficientSeats,
    AlreadyExists,
    IdempotencyMismatch,
    Conflict,
    WeakPassword,
    NotSetUp,
    SessionLocked,
    ClockMovedBack,
    InvalidTransition,
    SchemaTooNew,
    KeyringUnavailable,
    /// The store key this device holds does not open a secret of its store (a wrong
    /// `KASSA_STORE_KEY`, or a key from another store in the keyring).
    StoreKeyMismatch,
    Unavailable,
    /// The sync server could not be reached (no network, server down, TLS failure).
    ServerUnreachable,
    /// The device is not paired with a sync server yet.
    NotPaired,
    /// The sync server no longer speaks with this Kassa version; it keeps working offline.
    UpdateRequired,
    /// An admin revoked this device on the server; it must be paired again.
    DeviceRevoked,
    /// The server saw this device's history go back (a copied or restored data folder).
    DeviceCloned,
    /// The server is missing changes before the ones this device sent.
    SequenceGap,
    /// An app update whose signature does not match the key this app was built with.
    UpdateRefused,
    /// The store's currency cannot change once anything was sold in it.
    CurrencyLocked,
    /// The card provider declined the card at checkout: nothing was sold; take another payment.
    CardDeclined,
    Storage,
    Internal,
}

impl ErrorCode {
    /// Every code, for documentation and exhaustive tests.
    pub const ALL: [ErrorCode; 32] = [
        ErrorCode::InvalidInput,
        ErrorCode::NotFound,
        ErrorCode::Unauthenticated,
        ErrorCode::InvalidCredentials,
        ErrorCode::AccountLocked,
        ErrorCode::TotpReused,
        ErrorCode::Forbidden,
        ErrorCode::InsufficientStock,
        ErrorCode::InsufficientSeats,
        ErrorCode::AlreadyExists,
        ErrorCode::IdempotencyMismatch,
        ErrorCode::Conflict,
        ErrorCode::WeakPassword,
        ErrorCode::NotSetUp,
        ErrorCode::SessionLocked,
        ErrorCode::ClockMovedBack,
        ErrorCode::InvalidTransition,
        ErrorCode::SchemaTooNew,
        ErrorCode::KeyringUnavailable,
        ErrorCode::StoreKeyMismatch,
        ErrorCode::Unavailable,
        ErrorCode::ServerUnreachable,
        ErrorCode::NotPaired,
        ErrorCode::UpdateRequired,
        ErrorCode::DeviceRevoked,
        ErrorCode::DeviceCloned,
        ErrorCode::SequenceGap,
        ErrorCode::UpdateRefused,
        ErrorCode::CurrencyLocked,
        ErrorCode::CardDeclined,
        ErrorCode::Storage,
        ErrorCode::Internal,
    ];

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::AccountLocked => "account_locked",
            ErrorCode::TotpReused => "totp_reused",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::InsufficientStock => "insufficient_stock",
            ErrorCode::InsufficientSeats => "insufficient_seats",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::IdempotencyMismatch => "idempotency_mismatch",
            ErrorCode::Conflict => "conflict",
            ErrorCode::WeakPassword => "weak_password",
            ErrorCode::NotSetUp => "not_set_up",
            ErrorCode::SessionLocked => "session_locked",
            ErrorCode::ClockMovedBack => "clock_moved_back",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::SchemaTooNew => "schema_too_new",
            ErrorCode::KeyringUnavailable => "keyring_unavailable",
            ErrorCode::StoreKeyMismatch => "store_key_mismatch",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::ServerUnreachable => "server_unreachable",
            ErrorCode::NotPaired => "not_paired",
            ErrorCode::UpdateRequired => "update_required",
            ErrorCode::DeviceRevoked => "device_revoked",
            ErrorCode::DeviceCloned => "device_cloned",
            ErrorCode::SequenceGap => "sequence_gap",
            ErrorCode::UpdateRefused => "update_refused",
            ErrorCode::CurrencyLocked => "currency_locked",
            ErrorCode::CardDeclined => "card_declined",
            ErrorCode::Storage => "storage",
            ErrorCode::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error with a machine code and a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    /// For a `forbidden` error from the permission table: the permission the role lacks
    /// (`Permission::as_str`), so a screen can say what is missing in its own language.
    pub permission: Option<&'static str>,
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with the given code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            permission: None,
        }
    }

    /// Input that does not meet the rules; the message names the field and the rule.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidInput, message)
    }

    /// The named thing does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::NotFound, message)
    }

    /// The caller's role does not allow the operation.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Forbidden, message)
    }

    /// Something already exists that must be unique.
    pub fn already_exists(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::AlreadyExists, message)
    }

    /// A fault inside Kassa, not the caller's.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Internal, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{s}");
            assert!(seen.insert(s), "duplicate code {s}");
        }
    }
}
