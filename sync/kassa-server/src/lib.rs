//! The Kassa sync server: the HTTP API under `/api/v1` over any [`Storage`] backend.
//!
//! This crate decides who is asking (device tokens) and what is well formed (every input
//! is checked at the edge and refused with a typed error); the backend keeps the data and
//! makes each operation one transaction. The backend is picked from the database URL.

mod audit_chain;
mod auth;
pub mod cards;
pub mod email;
mod error;
mod metrics;
mod openapi;
mod pairing;
mod request_id;
mod routes;
mod server_key;
mod state;
mod updates;
pub mod validate;

pub use auth::{new_token, sha256_hex};
pub use cards::{CardOptions, Cards};
pub use email::{Mailer, SenderOptions, SmtpConfig, SmtpTls};
pub use error::ApiError;
pub use metrics::Metrics;
pub use openapi::document as openapi_document;
pub use pairing::{
    IssuedCode, PAIRING_CODE_LIFETIME_MINUTES, code_hash, issue_pairing_code, normalise_code,
};
pub use request_id::REQUEST_ID_HEADER;
pub use routes::{RouteSpec, SCHEMA_VERSION_HEADER, route_specs};
pub use server_key::{
    SERVER_KEY_ENV, SERVER_KEY_FILE, ServerKey, decode_store_key, encode_store_key,
};
pub use state::{Clock, system_clock, timestamp};
pub use updates::{ARCHES, NOTES_FILE, TARGETS, UpdateManifest, UpdatesConfig};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use kassa_server_sqlite::SqliteStorage;
use kassa_server_storage::{Storage, StorageError};
use kassa_sync_protocol::wire::MAX_BODY_BYTES;
use state::AppState;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// How long one request may take before the server gives up on it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How `kassa server` runs.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub listen: SocketAddr,
    /// `sqlite:PATH` or `postgres://...`; `None` is `data_dir/server.db`.
    pub database: Option<String>,
    pub data_dir: PathBuf,
    /// Required for any address but loopback.
    pub tls: Option<TlsFiles>,
    /// The folder of signed app releases; `None` is `data_dir/updates`.
    pub updates_dir: Option<PathBuf>,
    /// The server's address as devices reach it, for update download links.
    pub public_url: Option<String>,
    /// The card provider; `None`: the server takes no card payments.
    pub cards: Option<CardOptions>,
    /// Where the server sends the email devices queue; without it emails wait, queued.
    pub email: Option<EmailSettings>,
}

/// What the server reaches beyond the store's data: app releases to serve and the card
/// provider.
#[derive(Clone, Default)]
pub struct Services {
    pub updates: UpdatesConfig,
    /// `None`: the server takes no card payments.
    pub cards: Option<Arc<Cards>>,
    /// The metrics and the email signal, shared with an email sender.
    pub shared: Shared,
}

/// The SMTP server the email sender uses and how it paces itself.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    pub smtp: SmtpConfig,
    pub sender: SenderOptions,
}

/// What the HTTP API and the email sender share: the metrics, and the signal a push that
/// brought an email gives the sender.
#[derive(Clone, Default)]
pub struct Shared {
    pub metrics: Arc<Metrics>,
    pub mail_wake: Arc<Notify>,
}

/// PEM files of the server's certificate chain and private key.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Why the server could not start or a server command failed.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The options do not make a server that may run (a bad URL, plain HTTP off loopback).
    #[error("{0}")]
    Config(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

impl ServerError {
    /// The stable error code the CLI prints.
    pub fn code(&self) -> &'static str {
        match self {
            ServerError::Storage(StorageError::NotFound(_)) => "not_found",
            ServerError::Storage(StorageError::Conflict(_)) => "conflict",
            ServerError::Storage(StorageError::InvalidInput(_)) => "invalid_input",
            ServerError::Storage(_) => "internal",
            ServerError::Config(_) => "invalid_input",
            ServerError::Io { .. } => "io_error",
        }
    }

    fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ServerError {
        let context = context.into();
        move |source| ServerError::Io { context, source }
    }
}

/// Opens the storage a database URL names: `None` or `sqlite:PATH` is SQLite (`None`
/// keeps `server.db` in `data_dir`); `postgres://...` is PostgreSQL.
pub async fn open_storage(
    database: Option<&str>,
    data_dir: &Path,
) -> Result<Arc<dyn Storage>, ServerError> {
    let path = match database {
        None => data_dir.join("server.db"),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let storage = kassa_server_postgres::connect(url).await?;
            return Ok(Arc::new(storage));
        }
        Some(url) => {
            let rest = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"));
            match rest {
                Some(p) if !p.is_empty() => PathBuf::from(p),
                _ => {
                    return Err(ServerError::Config(format!(
                        "unknown database URL {url:?}; use sqlite:PATH or postgres://..."
                    )));
                }
            }
        }
    };
    let storage = tokio::task::spawn_blocking(move || SqliteStorage::open(path))
        .await
        .map_err(|e| ServerError::Config(format!("opening the database failed: {e}")))??;
    Ok(Arc::new(storage))
}

/// The whole HTTP API over `storage`, reading time from `clock` and sealing store keys
/// with `server_key`.
pub fn router(storage: Arc<dyn Storage>, clock: Clock, server_key: ServerKey) -> Router {
    router_with(storage, clock, server_key, Services::default())
}

/// [`router`] with a card provider for `/payments/card`, `/payments/refund` and `/webhooks/stripe`.
pub fn router_with_cards(
    storage: Arc<dyn Storage>,
    clock: Clock,
    server_key: ServerKey,
    cards: Option<Arc<Cards>>,
) -> Router {
    router_with(
        storage,
        clock,
        server_key,
        Services {
            cards,
            ..Services::default()
        },
    )
}

/// [`router`], sharing its metrics and email signal with an email sender.
pub fn router_sharing(
    storage: Arc<dyn Storage>,
    clock: Clock,
    server_key: ServerKey,
    shared: Shared,
) -> Router {
    router_with(
        storage,
        clock,
        server_key,
        Services {
            shared,
            ..Services::default()
        },
    )
}

/// [`router`] with the services that reach beyond the store's data: app updates, the card
/// provider and what it shares with the email sender.
pub fn router_with(
    storage: Arc<dyn Storage>,
    clock: Clock,
    server_key: ServerKey,
    services: Services,
) -> Router {
    let metrics = services.shared.metrics;
    let state = AppState {
        storage,
        clock,
        metrics: Arc::clone(&metrics),
        server_key: Arc::new(server_key),
        updates: Arc::new(services.updates),
        cards: services.cards,
        mail_wake: services.shared.mail_wake,
    };
    let api = routes::routes()
        .into_iter()
        .fold(Router::new(), |r, (spec, handler)| {
            r.route(spec.path, handler)
        });
    api.route_layer(axum::middleware::from_fn(metrics::label_route))
        .fallback(error::not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::map_response(error::shape_errors))
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            metrics::count_requests,
        ))
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(request_id::assign))
}

/// Starts the email sender on the current runtime: it sends what `storage` holds queued
/// through `settings.smtp` until the returned task is aborted.
pub fn spawn_email_sender(
    storage: Arc<dyn Storage>,
    clock: Clock,
    settings: &EmailSettings,
    shared: &Shared,
) -> Result<tokio::task::JoinHandle<()>, ServerError> {
    let mailer = Mailer::new(&settings.smtp).map_err(|e| ServerError::Config(e.to_string()))?;
    Ok(tokio::spawn(email::run_sender(
        storage,
        mailer,
        clock,
        settings.sender.clone(),
        Arc::clone(&shared.metrics),
        Arc::clone(&shared.mail_wake),
    )))
}

/// Serves the API on `listener` until the process is interrupted; with `tls`, over
/// HTTPS (rustls). Store keys are sealed with `server_key` (see [`ServerKey::load`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    storage: Arc<dyn Storage>,
    server_key: ServerKey,
    tls: Option<TlsFiles>,
) -> Result<(), ServerError> {
    serve_with(listener, storage, server_key, tls, Services::default()).await
}

/// [`serve`] with a card provider.
pub async fn serve_with_cards(
    listener: tokio::net::TcpListener,
    storage: Arc<dyn Storage>,
    server_key: ServerKey,
    tls: Option<TlsFiles>,
    cards: Option<Arc<Cards>>,
) -> Result<(), ServerError> {
    let services = Services {
        cards,
        ..Services::default()
    };
    serve_with(listener, storage, server_key, tls, services).await
}

/// [`serve`] with the services that reach beyond the store's data.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    storage: Arc<dyn Storage>,
    server_key: ServerKey,
    tls: Option<TlsFiles>,
    mut services: Services,
) -> Result<(), ServerError> {
    services.updates.https = tls.is_some();
    let app = router_with(storage, system_clock(), server_key, services);
    serve_app(listener, app, tls).await
}

async fn serve_app(
    listener: tokio::net::TcpListener,
    app: Router,
    tls: Option<TlsFiles>,
) -> Result<(), ServerError> {
    match tls {
        None => axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(ServerError::io("serving HTTP failed")),
        Some(files) => {
            // Another part of the process may have installed it already; either is ring.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config =
                axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key)
                    .await
                    .map_err(ServerError::io(format!(
                        "cannot read the TLS certificate {} or key {}",
                        files.cert.display(),
                        files.key.display()
                    )))?;
            let std_listener = listener
                .into_std()
                .map_err(ServerError::io("cannot take the listener"))?;
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                stopper.graceful_shutdown(Some(Duration::from_secs(10)));
            });
            axum_server::from_tcp_rustls(std_listener, config)
                .handle(handle)
                .serve(app.into_make_service())
                .await
                .map_err(ServerError::io("serving HTTPS failed"))
        }
    }
}

/// Refuses to start with a server key that does not open the store keys this database holds
/// (another `server.key`, or a wrong `KASSA_SERVER_KEY`): every pairing would spend its code
/// and fail.
pub async fn check_server_key(storage: &dyn Storage, key: &ServerKey) -> Result<(), ServerError> {
    if let Some((store_id, sealed)) = storage.a_sealed_store_key().await? {
        key.open_store_key(&store_id, &sealed).map_err(|_| {
            ServerError::Config(format!(
                "the server key ({SERVER_KEY_ENV} or {SERVER_KEY_FILE} in the data folder) is not the one this database's store keys were sealed with; restore the right one"
            ))
        })?;
    }
    Ok(())
}

async fn shutdown_signal() {
    if tokio::signal::ctrl_c().await.is_err() {
        // No signal handling here: run until the process ends.
        std::future::pending::<()>().await;
    }
}

/// Loads the server key (`KASSA_SERVER_KEY`, else `server.key` in the data folder), opens
/// the storage, binds `opts.listen` and serves; `on_listening` hears the bound address
/// first. Plain HTTP is only allowed on a loopback address.
pub async fn run(
    opts: ServerOptions,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    if opts.tls.is_none() && !opts.listen.ip().is_loopback() {
        return Err(ServerError::Config(format!(
            "refusing to serve plain HTTP on {}: device tokens would cross the network unencrypted; \
             listen on 127.0.0.1 or give a TLS certificate and key",
            opts.listen
        )));
    }
    if let Some(url) = &opts.public_url {
        let well_formed = (url.starts_with("https://") || url.starts_with("http://"))
            && !url.chars().any(|c| c.is_whitespace() || c.is_control());
        if !well_formed {
            return Err(ServerError::Config(format!(
                "the public URL {url:?} is not an address like https://pos.example.com"
            )));
        }
    }
    let server_key = ServerKey::load(&opts.data_dir)?;
    let storage = open_storage(opts.database.as_deref(), &opts.data_dir).await?;
    tracing::info!(backend = storage.backend(), "storage open");
    check_server_key(&*storage, &server_key).await?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(ServerError::io(format!("cannot listen on {}", opts.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(ServerError::io("cannot read the bound address"))?;
    let cards = match &opts.cards {
        None => None,
        Some(c) => {
            let cards = Arc::new(c.cards().map_err(|e| ServerError::Config(e.to_string()))?);
            if let Some(every) = c.reconcile_every {
                spawn_reconciliation(Arc::clone(&storage), Arc::clone(&cards), every);
            }
            Some(cards)
        }
    };
    tracing::info!(%addr, tls = opts.tls.is_some(), cards = cards.is_some(), "listening");
    on_listening(addr);
    let updates = UpdatesConfig {
        dir: Some(
            opts.updates_dir
                .unwrap_or_else(|| opts.data_dir.join("updates")),
        ),
        public_url: opts.public_url,
        https: opts.tls.is_some(),
    };
    let shared = Shared::default();
    let sender = match &opts.email {
        Some(settings) => {
            tracing::info!(smtp = %settings.smtp.host, port = settings.smtp.port, "sending email");
            Some(spawn_email_sender(
                Arc::clone(&storage),
                system_clock(),
                settings,
                &shared,
            )?)
        }
        None => None,
    };
    let services = Services {
        updates,
        cards,
        shared,
    };
    let app = router_with(storage, system_clock(), server_key, services);
    let served = serve_app(listener, app, opts.tls).await;
    if let Some(sender) = sender {
        sender.abort();
    }
    served
}

/// How far back the periodic reconciliation looks: an intent changes state within days.
pub const RECONCILE_LOOKBACK: chrono::Duration = chrono::Duration::days(3);

/// Reconciles the last [`RECONCILE_LOOKBACK`] with the provider every `every`, for as
/// long as the server runs; each run's result goes to the log.
fn spawn_reconciliation(storage: Arc<dyn Storage>, cards: Arc<Cards>, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = chrono::Utc::now();
            match cards::reconcile(
                &*storage,
                &*cards.provider,
                now - RECONCILE_LOOKBACK,
                now + chrono::Duration::minutes(1),
                now,
            )
            .await
            {
                Ok(r) => tracing::info!(
                    intents = r.provider_intents,
                    payments = r.server_payments,
                    mismatches = r.mismatches.len(),
                    fixed = r.fixed,
                    "card payments reconciled"
                ),
                Err(e) => tracing::warn!(error = %e, "card reconciliation failed"),
            }
        }
    });
}
