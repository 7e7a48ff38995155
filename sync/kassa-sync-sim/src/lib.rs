//! A deterministic simulation of a store's devices syncing through the real server.
//!
//! Several devices (real `kassa-store` stores in temporary folders, each on its own clock)
//! and the real server (`kassa-server`'s router over SQLite storage, called in process)
//! run a workload chosen by a seed: sales of the same items, refunds and voids of one order
//! on two devices, customer edits, price changes, stock counts and receipts, staff changes,
//! settings, sign-ins. The network between them loses requests and answers, sends requests
//! twice, holds them back and delivers them late, and cuts them off; the server restarts and
//! goes down; devices are killed and started again on the same file; one device's clock runs
//! days ahead. Then the network heals and every device syncs until nothing moves, a new
//! device joins, and the checks run (`check`).
//!
//! The same seed makes the same ids (`kassa_store::foundation::ids::seed_thread`), the same
//! workload and the same faults, so a failing seed replays exactly.

mod check;
pub mod net;
mod world;

pub use net::{Faults, NetStats};
pub use world::{Config, Failure, Outcome, Summary, run};
