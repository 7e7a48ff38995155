//! Kassa's domain: the rules of the shop, free of IO and of any wire format.
//!
//! Everything here is deterministic: time, randomness and storage are passed
//! in by the caller. The store and the app API build on these types; nothing
//! here knows about SQLite, JSON, Tauri or the network.

pub mod audit;
pub mod booking;
pub mod business_day;
pub mod catalog;
pub mod commission;
pub mod customer;
pub mod email;
pub mod error;
pub mod hlc;
pub mod money;
pub mod pan;
pub mod password;
pub mod pin;
pub mod policy;
pub mod role;
pub mod selling;
pub mod settings;
pub mod stock;
pub mod totp;

pub use error::{Error, ErrorCode, Result};
