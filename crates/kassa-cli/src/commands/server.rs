//! `kassa server`: the central sync server, carried by the same binary, and the pairing
//! codes it hands out. It keeps its own database (`--database`, or `server.db` in the data
//! folder) and never opens a device's store.

use super::Outcome;
use clap::{Args, Subcommand};
use kassa_app::ApiError;
use kassa_server::{ServerError, ServerOptions, TlsFiles};
use serde_json::json;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ServerArgs {
    #[command(subcommand)]
    pub command: Option<ServerCommand>,
    /// The address to listen on, e.g. 127.0.0.1:8443 (port 0 picks a free one).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// `sqlite:PATH` or `postgres://...` (default: server.db in the data folder).
    #[arg(long, value_name = "URL", global = true)]
    pub database: Option<String>,
    /// The TLS certificate chain (PEM); required off loopback, with --tls-key.
    #[arg(long, value_name = "PATH", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The TLS private key (PEM).
    #[arg(long, value_name = "PATH", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The folder of signed app releases devices update from (default: `updates` in the data
    /// folder): `VERSION/notes.md` and `VERSION/TARGET-ARCH/ARTIFACT` with `ARTIFACT.sig`.
    #[arg(long, value_name = "DIR")]
    pub updates_dir: Option<PathBuf>,
    /// The server's address as devices reach it (e.g. https://pos.example.com), used in update
    /// download links; by default the address each device asked.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// A one-time pairing code, valid for an hour: without --store for a new store's first
    /// device (it uploads its store), with --store for another device of that store.
    PairingCode {
        /// The store the code joins.
        #[arg(long, value_name = "ID")]
        store: Option<String>,
    },
}

fn failed(e: ServerError) -> ApiError {
    ApiError {
        code: e.code().into(),
        message: e.to_string(),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, ApiError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ApiError {
            code: "internal".into(),
            message: format!("the server's runtime cannot start: {e}"),
        })
}

pub fn run(a: &ServerArgs, dir: &Path) -> Result<Outcome, ApiError> {
    match &a.command {
        Some(ServerCommand::PairingCode { store }) => pairing_code(a, store.as_deref(), dir),
        None => serve(a, dir),
    }
}

fn serve(a: &ServerArgs, dir: &Path) -> Result<Outcome, ApiError> {
    let listen = a.listen.ok_or_else(|| ApiError {
        code: "invalid_input".into(),
        message: "kassa server needs --listen ADDR (or a subcommand: pairing-code)".into(),
    })?;
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        }),
        _ => None,
    };
    data_folder(a, dir)?;
    let opts = ServerOptions {
        listen,
        database: a.database.clone(),
        data_dir: dir.to_path_buf(),
        tls,
        updates_dir: a.updates_dir.clone(),
        public_url: a.public_url.clone(),
    };
    runtime()?
        .block_on(kassa_server::run(opts, |addr| {
            // One line, at once: scripts and tests read the bound port from it.
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", json!({"listening": addr.to_string()}));
            let _ = out.flush();
        }))
        .map_err(failed)?;
    Ok(Outcome::from_json(
        json!({"stopped": true}),
        "The server stopped.",
    ))
}

/// The data folder the default database lives in, made when missing.
fn data_folder(a: &ServerArgs, dir: &Path) -> Result<(), ApiError> {
    if a.database.is_some() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| ApiError {
        code: "io_error".into(),
        message: format!("cannot make the data folder {}: {e}", dir.display()),
    })
}

fn pairing_code(a: &ServerArgs, store: Option<&str>, dir: &Path) -> Result<Outcome, ApiError> {
    data_folder(a, dir)?;
    let issued = runtime()?
        .block_on(async {
            let storage = kassa_server::open_storage(a.database.as_deref(), dir).await?;
            kassa_server::issue_pairing_code(storage.as_ref(), store, chrono::Utc::now()).await
        })
        .map_err(failed)?;
    let human = match &issued.store_id {
        None => format!(
            "Pairing code {} for a new store's first device; valid until {}.",
            issued.code, issued.expires_at
        ),
        Some(id) => format!(
            "Pairing code {} for a new device of store {id}; valid until {}.",
            issued.code, issued.expires_at
        ),
    };
    Ok(Outcome::from_json(
        json!({"code": issued.code, "store_id": issued.store_id, "expires_at": issued.expires_at}),
        human,
    ))
}
