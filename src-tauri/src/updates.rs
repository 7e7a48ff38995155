//! App updates: the updater plugin asks this device's store server for a newer release,
//! downloads it and checks its signature against the public key the app was built with
//! (`plugins.updater.pubkey` in `tauri.conf.json`), and installs it only when the person
//! agrees and no sale is open. The rules come from the core (`Api::update_endpoint`,
//! `Api::update_install_begin`); this module only drives the plugin.

use crate::Shell;
use kassa_app::ApiError;
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use tauri::{AppHandle, State};
use tauri_plugin_updater::{Error as UpdaterError, Update, UpdaterExt};

/// A debug build reads a replacement public key from this file in the data folder, so tests
/// can sign releases with a key of their own. Release builds always use the built-in key.
pub const TEST_PUBKEY_FILE: &str = "update-pubkey.test";

/// The release found by the last check, and its bytes once downloaded and verified.
#[derive(Default)]
pub struct PendingUpdate {
    update: Option<Update>,
    verified: Option<Vec<u8>>,
}

/// What a check found.
#[derive(Debug, Serialize)]
pub struct UpdateInfo {
    pub current_version: String,
    pub available: bool,
    pub version: Option<String>,
    pub notes: Option<String>,
    pub date: Option<String>,
}

/// A downloaded release whose signature matched.
#[derive(Debug, Serialize)]
pub struct UpdateDownloaded {
    pub version: String,
    pub bytes: usize,
}

fn error(code: &str, message: impl Into<String>) -> ApiError {
    ApiError {
        code: code.into(),
        message: message.into(),
        permission: None,
    }
}

fn updater_error(e: UpdaterError) -> ApiError {
    match e {
        UpdaterError::Minisign(_)
        | UpdaterError::SignedVersionMismatch { .. }
        | UpdaterError::MissingSignedVersion
        | UpdaterError::SignatureUtf8(_)
        | UpdaterError::Base64(_) => error(
            "update_refused",
            format!(
                "the update was refused: its signature does not match this app's key ({e}); nothing was installed"
            ),
        ),
        UpdaterError::Reqwest(_) | UpdaterError::Network(_) => error(
            "server_unreachable",
            format!("the store's server cannot be reached for updates: {e}"),
        ),
        other => error("internal", format!("the update failed: {other}")),
    }
}

fn test_pubkey(data_dir: &Path) -> Option<String> {
    if !cfg!(debug_assertions) {
        return None;
    }
    std::fs::read_to_string(data_dir.join(TEST_PUBKEY_FILE))
        .ok()
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
}

async fn core<T: Send + 'static>(
    shell: &Shell,
    f: impl FnOnce(&kassa_app::Api) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let api: Arc<kassa_app::Api> = shell.api.clone()?;
    tauri::async_runtime::spawn_blocking(move || f(&api))
        .await
        .map_err(|e| error("internal", format!("the command stopped unexpectedly: {e}")))?
}

/// Asks the store's server whether a newer release exists for this platform.
#[tauri::command]
pub async fn update_check(app: AppHandle, shell: State<'_, Shell>) -> Result<UpdateInfo, ApiError> {
    let endpoint = core(&shell, |api| api.update_endpoint()).await?;
    let url = endpoint.parse().map_err(|e| {
        error(
            "invalid_input",
            format!("the server address {endpoint:?} is not a URL: {e}"),
        )
    })?;
    let mut builder = app
        .updater_builder()
        .endpoints(vec![url])
        .map_err(updater_error)?;
    if let Some(key) = test_pubkey(&shell.data_dir) {
        builder = builder.pubkey(key);
    }
    let found = builder
        .build()
        .map_err(updater_error)?
        .check()
        .await
        .map_err(updater_error)?;
    let current_version = app.package_info().version.to_string();
    let info = match &found {
        Some(u) => UpdateInfo {
            current_version,
            available: true,
            version: Some(u.version.clone()),
            notes: u.body.clone(),
            date: u.date.map(|d| d.to_string()),
        },
        None => UpdateInfo {
            current_version,
            available: false,
            version: None,
            notes: None,
            date: None,
        },
    };
    let mut pending = shell.update.lock().await;
    pending.update = found;
    pending.verified = None;
    Ok(info)
}

/// Downloads the release the last check found and checks its signature; a release whose
/// signature does not match is refused and forgotten.
#[tauri::command]
pub async fn update_download(shell: State<'_, Shell>) -> Result<UpdateDownloaded, ApiError> {
    let mut pending = shell.update.lock().await;
    let update = pending
        .update
        .clone()
        .ok_or_else(|| error("not_found", "no update was found; check for updates first"))?;
    match update.download(|_, _| {}, || {}).await {
        Ok(bytes) => {
            let size = bytes.len();
            pending.verified = Some(bytes);
            Ok(UpdateDownloaded {
                version: update.version.clone(),
                bytes: size,
            })
        }
        Err(e) => {
            pending.update = None;
            pending.verified = None;
            tracing::warn!(version = %update.version, error = %e, "update refused");
            Err(updater_error(e))
        }
    }
}

/// Installs the downloaded release (which is verified again) and restarts the app; only
/// for those who manage devices, and never while a sale is open.
#[tauri::command]
pub async fn update_install(app: AppHandle, shell: State<'_, Shell>) -> Result<(), ApiError> {
    let mut pending = shell.update.lock().await;
    let (Some(update), Some(bytes)) = (pending.update.clone(), pending.verified.take()) else {
        return Err(error(
            "not_found",
            "no verified update is waiting; check for updates and download first",
        ));
    };
    let from = app.package_info().version.to_string();
    let to = update.version.clone();
    core(&shell, move |api| api.update_install_begin(&from, &to)).await?;
    update.install(&bytes).map_err(updater_error)?;
    pending.update = None;
    app.restart()
}
