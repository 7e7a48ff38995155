//! The Kassa desktop shell: a Tauri window over the app API, and nothing more.
//!
//! The UI calls one command, `api`, with a command name and its JSON input;
//! `kassa_app::dispatch` does the rest. No domain logic lives here.

mod updates;

use kassa_app::{Api, ApiError, Surface};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

/// The API, or why the data folder could not be opened (shown by the UI instead of a crash).
struct Shell {
    api: Result<Arc<Api>, ApiError>,
    /// Syncs a paired device in the background while the window is open.
    _sync: Option<kassa_app::sync_worker::SyncWorker>,
    /// The data folder the API was opened on.
    data_dir: PathBuf,
    /// The app update found by the last check, until it is installed.
    update: tauri::async_runtime::Mutex<updates::PendingUpdate>,
}

/// Runs one app API command off the UI thread.
#[tauri::command]
async fn api(
    state: tauri::State<'_, Shell>,
    command: String,
    input: Value,
) -> Result<Value, ApiError> {
    let api = state.api.clone()?;
    tauri::async_runtime::spawn_blocking(move || kassa_app::dispatch(&api, &command, input))
        .await
        .map_err(|e| ApiError {
            code: "internal".into(),
            message: format!("the command stopped unexpectedly: {e}"),
            permission: None,
        })?
}

/// Exports a report and saves it in the data folder's `exports`; says where.
#[tauri::command]
async fn save_report(
    state: tauri::State<'_, Shell>,
    input: Value,
) -> Result<kassa_app::SavedReport, ApiError> {
    let api = state.api.clone()?;
    let input: kassa_app::dto::ReportExportInput =
        serde_json::from_value(input).map_err(|e| ApiError {
            code: "invalid_input".into(),
            message: format!("the export request is not valid: {e}"),
            permission: None,
        })?;
    let dir = data_dir().join("exports");
    tauri::async_runtime::spawn_blocking(move || api.report_save(input, &dir))
        .await
        .map_err(|e| ApiError {
            code: "internal".into(),
            message: format!("the command stopped unexpectedly: {e}"),
            permission: None,
        })?
}

/// Saves everything held about one customer (JSON or CSV) into the data folder's `exports`.
#[tauri::command]
async fn save_customer_data(
    state: tauri::State<'_, Shell>,
    input: Value,
) -> Result<kassa_app::SavedReport, ApiError> {
    let api = state.api.clone()?;
    let input: kassa_app::dto::CustomerDataExportInput =
        serde_json::from_value(input).map_err(|e| ApiError {
            code: "invalid_input".into(),
            message: format!("the export request is not valid: {e}"),
            permission: None,
        })?;
    let dir = data_dir().join("exports");
    tauri::async_runtime::spawn_blocking(move || api.customer_data_save(input, &dir))
        .await
        .map_err(|e| ApiError {
            code: "internal".into(),
            message: format!("the command stopped unexpectedly: {e}"),
            permission: None,
        })?
}

/// Saves a booking's confirmation PDF into the data folder's `exports`.
#[tauri::command]
async fn save_booking_confirmation(
    state: tauri::State<'_, Shell>,
    input: Value,
) -> Result<kassa_app::SavedReport, ApiError> {
    let api = state.api.clone()?;
    let input: kassa_app::dto::BookingIdInput =
        serde_json::from_value(input).map_err(|e| ApiError {
            code: "invalid_input".into(),
            message: format!("the confirmation request is not valid: {e}"),
            permission: None,
        })?;
    let dir = data_dir().join("exports");
    tauri::async_runtime::spawn_blocking(move || api.booking_confirmation_save(input, &dir))
        .await
        .map_err(|e| ApiError {
            code: "internal".into(),
            message: format!("the command stopped unexpectedly: {e}"),
            permission: None,
        })?
}

/// The data folder: `--data DIR`, else `KASSA_DATA`, else the platform's app-data folder.
fn data_dir() -> PathBuf {
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--data" {
            if let Some(dir) = args.next() {
                return PathBuf::from(dir);
            }
        } else if let Some(dir) = a.strip_prefix("--data=") {
            return PathBuf::from(dir);
        }
    }
    std::env::var_os("KASSA_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(kassa_app::default_data_dir)
}

/// Starts the desktop app.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KASSA_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    let dir = data_dir();
    let opened = Api::open(&dir, Surface::Desktop).map(Arc::new);
    match &opened {
        Ok(_) => tracing::info!(data = %dir.display(), "opened data folder"),
        Err(e) => tracing::error!(data = %dir.display(), error = %e, "cannot open data folder"),
    }
    let sync = opened.as_ref().ok().and_then(|api| {
        kassa_app::sync_worker::SyncWorker::start(api.clone())
            .map_err(|e| tracing::error!(error = %e, "cannot start the background sync"))
            .ok()
    });
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(Shell {
            api: opened,
            _sync: sync,
            data_dir: dir,
            update: Default::default(),
        })
        .invoke_handler(tauri::generate_handler![
            api,
            save_report,
            updates::update_check,
            updates::update_download,
            updates::update_install,
            save_customer_data,
            save_booking_confirmation
        ])
        .run(tauri::generate_context!("tauri.conf.json"));
    if let Err(e) = result {
        eprintln!("Kassa could not start its window: {e}");
        std::process::exit(1);
    }
}
