//! The stock ledger: append-only movements per item and location; a level is their sum.
//!
//! [`record_movements`] is the one way movements are written. It checks every affected
//! level before writing anything (so a refused sale writes nothing) and runs inside the
//! caller's transaction, so that a sale's order, payment and stock movements commit
//! together. The `stock_levels` table is a derived cache of the sums, maintained by an
//! SQLite trigger on every insert into `stock_movements` (this device's or sync's);
//! [`verify_levels`] recomputes the sums and compares.

mod batches;
mod ledger;
mod locations;
mod operations;
mod reports;

pub use batches::*;
pub use ledger::*;
pub use locations::*;
pub use operations::*;
pub use reports::*;
