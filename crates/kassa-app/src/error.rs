//! The error every command returns: a stable code and a message for people.

use kassa_domain::{Error, ErrorCode};
use serde::Serialize;
use ts_rs::TS;

/// What a failed command answers, in the CLI's JSON and in the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ApiError {
    /// Stable snake_case code, e.g. `invalid_credentials`; the UI matches on it.
    #[ts(type = "ErrorCode")]
    pub code: String,
    /// What happened and what to do next.
    pub message: String,
    /// For `forbidden` from the permission table: the permission the person's role lacks
    /// (as `can` names it), so the UI says what is missing in the person's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub permission: Option<String>,
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError {
            code: e.code.as_str().to_string(),
            message: e.message,
            permission: e.permission.map(str::to_string),
        }
    }
}

impl ApiError {
    /// An error with a known code.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code: code.as_str().to_string(),
            message: message.into(),
            permission: None,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ApiError {}

/// The app API's result type.
pub type ApiResult<T> = Result<T, ApiError>;
