//! The store's foundation, which every area builds on: the SQLite file and its migrations
//! (`db`), the one write path with its outbox and audit entries (`write`, `outbox`, `audit`,
//! with the heads the server publishes of other devices' chains in `audit_heads`),
//! the device key, the store key and its later epochs, and sealed secrets (`keys`,
//! `key_epochs`, `secret`), the store's settings, this device and
//! its store (`device`), the pairing with the sync server (`sync_state`), applying other
//! devices' changes (`apply`, with the foundation's own entities in `remote`), time (`clock`),
//! ids, the class of every table (`tables`), and the row-by-row CSV import plumbing (`import`).
//!
//! Nothing here knows about staff, the catalog or selling.

pub mod apply;
pub mod audit;
pub mod audit_heads;
pub mod business_day;
pub mod card_guard;
pub mod clock;
pub(crate) mod db;
pub mod device;
pub mod ids;
pub mod import;
pub mod key_epochs;
pub mod keys;
pub mod known_devices;
pub mod outbox;
pub(crate) mod remote;
pub mod secret;
pub mod settings;
pub mod sync_state;
pub mod tables;
pub mod write;
