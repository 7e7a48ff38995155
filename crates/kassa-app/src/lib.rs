//! Kassa's app API: the one surface the desktop shell and the `kassa` CLI call.
//!
//! It owns the device's store and the signed-in session, checks every
//! permission (never only the UI), and speaks in the DTOs of [`dto`], whose
//! TypeScript twins the UI imports. Every command is listed once in
//! [`commands`], which gives the shell its dispatcher and the UI its type map.

mod account;
mod approval;
mod audit;
pub mod bindings;
mod booking_cards;
mod bookings;
mod cards;
mod catalog;
pub mod commands;
mod context;
mod customers;
mod demo_catalog;
mod demo_history;
mod demo_trips;
mod drawer;
pub mod dto;
mod error;
mod receipts;
mod reports;
mod selling;
mod session;
mod settings;
mod setup;
mod staff;
mod status;
mod stock;
mod sync;
pub mod sync_worker;
mod updates;

pub use approval::Approver;
pub use commands::dispatch;
pub use error::{ApiError, ApiResult};
pub use kassa_domain;
pub use kassa_store::identity::session::Surface;
pub use kassa_store::{Clock, FixedClock, KeySource, SystemClock};
pub use reports::{SavedReport, formula_safe};

use kassa_store::Store;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// The platform's folder for this device's data, shared by the desktop app and the CLI.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("app.kassa.desktop")
}

/// The app API over one device's data folder.
pub struct Api {
    store: Mutex<Store>,
    surface: Surface,
    session: Mutex<Option<session::Active>>,
    data_dir: PathBuf,
    /// Nudged after every local write to the outbox; the background sync waits on it.
    sync_signal: Arc<sync_worker::SyncSignal>,
    /// Held while this device syncs (by hand or in the background), never with the store.
    sync_running: Mutex<()>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("data_dir", &self.data_dir)
            .field("surface", &self.surface)
            .finish()
    }
}

impl Api {
    /// Opens the data folder with the system clock and the key from the keyring
    /// (or `KASSA_DEVICE_KEY` when set).
    pub fn open(data_dir: &Path, surface: Surface) -> ApiResult<Api> {
        Api::open_with(
            data_dir,
            surface,
            Arc::new(SystemClock),
            KeySource::from_env()?,
        )
    }

    /// Opens the data folder with an explicit clock and key source (tests, benchmarks).
    pub fn open_with(
        data_dir: &Path,
        surface: Surface,
        clock: Arc<dyn Clock>,
        keys: KeySource,
    ) -> ApiResult<Api> {
        let mut store = Store::open(data_dir, clock, keys)?;
        let sync_signal = Arc::new(sync_worker::SyncSignal::default());
        store.set_outbox_listener({
            let signal = sync_signal.clone();
            Arc::new(move || signal.nudge())
        });
        Ok(Api {
            store: Mutex::new(store),
            surface,
            session: Mutex::new(None),
            data_dir: data_dir.to_path_buf(),
            sync_signal,
            sync_running: Mutex::new(()),
        })
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The store, locked for this call. A poisoned lock is recovered: SQLite rolled back
    /// whatever the panicking call had open.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}
