//! `kassa pair`, `kassa sync`, `kassa conflicts` and `kassa devices`: this device and the
//! sync server.

use super::Outcome;
use clap::{Args, Subcommand};
use kassa_app::dto::{ConflictResolveInput, ConflictsInput, DeviceRef, NoInput, SyncPairInput};
use kassa_app::{Api, ApiError};
use serde_json::json;

#[derive(Debug, Args)]
pub struct PairArgs {
    /// The server's address: https://..., or http:// for a server on this machine; or the
    /// pairing link `kassa://pair?server=…&code=…` that the pairing code's QR code holds.
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// The one-time pairing code the server gave (or KASSA_PAIRING_CODE); none with a link.
    #[arg(long, env = "KASSA_PAIRING_CODE", value_name = "CODE")]
    pub code: Option<String>,
    /// The name the store's device list shows (default: this device's name).
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ConflictsArgs {
    #[command(subcommand)]
    pub command: Option<ConflictsCommand>,
    /// Resolved conflicts too.
    #[arg(long)]
    pub all: bool,
    /// At most this many.
    #[arg(long)]
    pub limit: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum ConflictsCommand {
    /// Record what was decided about a conflict (managers and admins): it closes on every
    /// device of the store once they sync. The decision itself (which count to keep, a new
    /// SKU) is made with the ordinary commands.
    Resolve {
        /// The conflict's id, as `kassa conflicts` lists it.
        id: String,
        /// What was decided, in 1 to 500 characters.
        #[arg(long)]
        resolution: String,
    },
}

#[derive(Debug, Args)]
pub struct DevicesArgs {
    #[command(subcommand)]
    pub command: Option<DevicesCommand>,
}

#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// Revoke a device: it may no longer sync until paired again.
    Revoke {
        /// The device's id, as `kassa devices` lists it.
        id: String,
    },
}

pub fn pair(api: &Api, a: &PairArgs) -> Result<Outcome, ApiError> {
    let out = api.sync_pair(SyncPairInput {
        server_url: a.server.clone(),
        code: a.code.clone().unwrap_or_default(),
        device_name: a.name.clone(),
    })?;
    let with = if a.server.trim().to_ascii_lowercase().starts_with("kassa:") {
        "the server of the pairing link".to_string()
    } else {
        a.server.trim().trim_end_matches('/').to_string()
    };
    let mut human = format!(
        "Paired with {with} as device {} of store {}.",
        out.device_code, out.store_id
    );
    if out.pulled > 0 {
        human.push_str(&format!(
            "\n{} change(s) of the store downloaded.",
            out.pulled
        ));
    }
    if let Some(w) = &out.clock_warning {
        human.push_str(&format!("\nWarning: {w}"));
    }
    Ok(Outcome::new(&out, human))
}

pub fn sync(api: &Api) -> Result<Outcome, ApiError> {
    let report = api.sync_now(NoInput {})?;
    let mut human = format!(
        "Synced: {} change(s) pushed, {} pulled, {} conflict(s).",
        report.pushed, report.pulled, report.conflicts
    );
    if report.cards + report.refunds > 0 {
        human.push_str(&format!(
            " The card provider answered for {} card payment(s) and {} card refund(s).",
            report.cards, report.refunds
        ));
    }
    Ok(Outcome::new(&report, human))
}

pub fn conflicts(api: &Api, a: &ConflictsArgs) -> Result<Outcome, ApiError> {
    if let Some(ConflictsCommand::Resolve { id, resolution }) = &a.command {
        let done = api.conflict_resolve(ConflictResolveInput {
            conflict_id: id.clone(),
            resolution: resolution.clone(),
        })?;
        let human = format!(
            "Conflict {} ({}) resolved: {}",
            done.id,
            done.kind,
            done.resolution.as_deref().unwrap_or_default()
        );
        return Ok(Outcome::new(&done, human));
    }
    let out = api.conflicts_list(ConflictsInput {
        all: Some(a.all),
        limit: a.limit,
    })?;
    let mut human = String::new();
    for c in &out.conflicts {
        let state = match &c.resolved_at {
            Some(at) => format!("resolved {at}"),
            None => "open".to_string(),
        };
        human.push_str(&format!(
            "{}  {}  {}  {} {}  from device {}  {}\n",
            c.id, c.created_at, c.kind, c.entity, c.entity_id, c.device_id, state
        ));
    }
    if human.is_empty() {
        human.push_str("No conflicts.\n");
    }
    Ok(Outcome::new(&out, human))
}

pub fn devices(api: &Api, a: &DevicesArgs) -> Result<Outcome, ApiError> {
    match &a.command {
        None => {
            let out = api.devices_list(NoInput {})?;
            let mut human = String::new();
            for d in &out.devices {
                let state = match &d.revoked_at {
                    Some(at) => format!("revoked {at}"),
                    None => format!("last sync {}", d.last_sync_at.as_deref().unwrap_or("never")),
                };
                let this = if d.this_device { "  (this device)" } else { "" };
                human.push_str(&format!(
                    "{}  {}  {}  {}{this}\n",
                    d.device_code, d.name, d.device_id, state
                ));
            }
            if human.is_empty() {
                human.push_str("No devices.\n");
            }
            if let Some(at) = &out.heard_at {
                human.push_str(&format!(
                    "The server cannot be reached: the devices as this device last heard them, at {at}.\n"
                ));
            }
            Ok(Outcome::new(&out, human))
        }
        Some(DevicesCommand::Revoke { id }) => {
            api.device_revoke(DeviceRef {
                device_id: id.clone(),
            })?;
            Ok(Outcome::from_json(
                json!({"device_id": id, "revoked": true}),
                format!("Device {id} revoked; it can no longer sync."),
            ))
        }
    }
}
