//! The device's sync engine: pairs this device with the Kassa server and pushes its outbox.
//!
//! The engine talks to the server through a [`Transport`] ([`HttpTransport`] over HTTPS, or
//! an in-memory one in tests and simulations) and to the device's data through
//! `kassa_store`'s `sync_state`. The store is synchronous and shared behind a `Mutex`; the
//! engine locks it only between network calls (read a batch, release, send, lock,
//! acknowledge), so the till keeps selling while a sync waits on the network.
//!
//! [`blocking`] runs the engine from synchronous callers (the app API, the CLI).

pub mod blocking;
mod engine;
mod http;
mod transport;

pub use engine::{
    DEFAULT_DEVICE_NAME, Paired, SyncReport, batch_id, devices, forward_refunds, join, pair,
    pairing_code, revoke, set_allotment, sync_once, sync_once_with_progress,
};
pub use http::{HttpTransport, SCHEMA_VERSION_HEADER, server_refusal, validate_server_url};
pub use transport::Transport;
