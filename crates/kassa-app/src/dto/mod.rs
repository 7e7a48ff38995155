//! The types that cross the app API: commands' inputs and outputs, one file per area.
//!
//! These are the only types the UI sees; their TypeScript twins are generated
//! from here (see `bindings`), never written by hand. Inputs deny unknown fields
//! and mark `Option` fields optional in TypeScript.

mod booking_reports;
mod bookings;
mod catalog;
mod commissions;
mod core;
mod customers;
mod identity;
mod reports;
mod selling;
mod settings;
mod sync;

pub use self::booking_reports::*;
pub use self::bookings::*;
pub use self::catalog::*;
pub use self::commissions::*;
pub use self::core::*;
pub use self::customers::*;
pub use self::identity::*;
pub use self::reports::*;
pub use self::selling::*;
pub use self::settings::*;
pub use self::sync::*;
