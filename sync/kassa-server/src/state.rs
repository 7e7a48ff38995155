//! What every handler shares: the storage, the clock and the metrics.

use crate::cards::Cards;
use crate::metrics::Metrics;
use crate::server_key::ServerKey;
use chrono::{DateTime, SecondsFormat, Utc};
use kassa_server_storage::Storage;
use std::sync::Arc;

/// The server's clock; tests pass one they move.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// RFC 3339 UTC with milliseconds, the form every stored and sent time takes.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Clone)]
pub(crate) struct AppState {
    pub storage: Arc<dyn Storage>,
    pub clock: Clock,
    pub metrics: Arc<Metrics>,
    pub server_key: Arc<ServerKey>,
    pub updates: Arc<crate::updates::UpdatesConfig>,
    /// The card provider; `None` when the server takes no card payments.
    pub cards: Option<Arc<Cards>>,
    /// Wakes the email sender when a push brought emails.
    pub mail_wake: Arc<tokio::sync::Notify>,
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}
