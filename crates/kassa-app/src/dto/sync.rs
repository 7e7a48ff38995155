//! DTOs of sync: pairing, syncing now, and the store's devices on the server.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Pairs this device with a server, with a one-time pairing code.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct SyncPairInput {
    /// `https://...`; plain `http://` only for a server on this machine.
    pub server_url: String,
    pub code: String,
    /// The name in the store's device list; this device's own name when absent.
    pub device_name: Option<String>,
}

/// What pairing gave this device.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SyncPairOutput {
    pub device_id: String,
    pub store_id: String,
    /// The code the server gave this device; its receipt numbers carry it.
    pub device_code: String,
    /// Set when the server's clock is far ahead of this device's.
    pub clock_warning: Option<String>,
    /// Changes of the store applied right after pairing: a joining device's download.
    pub pulled: u64,
}

/// Which conflicts to list.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct ConflictsInput {
    /// Resolved ones too (default: the open ones only).
    pub all: Option<bool>,
    /// At most this many (default 500).
    pub limit: Option<u32>,
}

/// A conflict the merge found between devices' changes.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ConflictDto {
    pub id: String,
    /// What clashed: `duplicate_sku`, `ledger_mismatch`, `clock_ahead`, ...
    pub kind: String,
    pub entity: String,
    pub entity_id: String,
    /// Both sides and what the merge did.
    #[ts(type = "unknown")]
    pub detail: serde_json::Value,
    /// The change that found it and the device that made it.
    pub change_id: String,
    pub device_id: String,
    pub created_at: String,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
}

/// The conflicts, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ConflictsOutput {
    pub conflicts: Vec<ConflictDto>,
}

/// What one sync did.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SyncReportDto {
    /// Changes the server acknowledged; they left the outbox.
    pub pushed: u64,
    /// Changes from other devices applied here.
    pub pulled: u64,
    /// Changes a person must decide on.
    pub conflicts: u64,
    /// Card payments taken offline whose outcome the card provider gave at this sync.
    pub cards: u64,
    /// Card refunds whose outcome the card provider gave at this sync.
    pub refunds: u64,
    /// Seat allotments settled with the server at this sync (unsold seats returned at their
    /// release, lost answers sent again, seats of earlier bookings claimed).
    pub allotments: u64,
}

/// The server this device is paired with.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PairedDto {
    pub server_url: String,
    pub device_code: String,
    pub paired_at: String,
    /// The highest outbox sequence the server holds.
    pub acked_seq: u64,
}

/// One device of the store, as the server lists it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StoreDeviceDto {
    pub device_id: String,
    pub device_code: String,
    pub name: String,
    pub paired_at: String,
    pub last_sync_at: Option<String>,
    pub acked_seq: u64,
    pub revoked_at: Option<String>,
    /// True for the device answering.
    pub this_device: bool,
}

/// The store's devices.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StoreDevicesOutput {
    pub devices: Vec<StoreDeviceDto>,
    /// `None` when the server answered just now; else the server could not be reached and
    /// this is the list as this device last heard it, at this time.
    pub heard_at: Option<String>,
}

/// A device of the store, by id.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DeviceRef {
    pub device_id: String,
}

/// What a waiting change is about, as the outbox screen groups it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKindDto {
    Sales,
    Refunds,
    Cash,
    Stock,
    Catalog,
    Customers,
    Vouchers,
    Bookings,
    Staff,
    Settings,
    Emails,
    Conflicts,
    Audit,
    Other,
}

/// The waiting changes of one kind.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OutboxGroupDto {
    pub kind: OutboxKindDto,
    /// Changes waiting.
    pub changes: u64,
    /// The records they are about (a sale and its later events count once).
    pub records: u64,
    /// RFC 3339 time of the oldest and the newest waiting change.
    pub oldest_at: String,
    pub newest_at: String,
}

/// What has not reached the server yet, by kind.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OutboxSummaryDto {
    /// Changes waiting, in all.
    pub pending_changes: u64,
    /// Bytes of those changes.
    pub pending_bytes: u64,
    pub groups: Vec<OutboxGroupDto>,
}

/// A manager's decision on a conflict.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ConflictResolveInput {
    pub conflict_id: String,
    /// What was decided, in 1 to 500 characters (e.g. which side was kept).
    pub resolution: String,
}

/// A one-time code for another device to join this store, shown once.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PairingCodeDto {
    /// Four groups of Crockford base32, e.g. `7KQ2-M9XD-0RTA-W4HF`.
    pub code: String,
    /// The server the other device pairs with.
    pub server_url: String,
    pub store_id: String,
    /// RFC 3339; the code is refused after it.
    pub expires_at: String,
    /// `kassa://pair?server=...&code=...`: what the QR code holds.
    pub pairing_uri: String,
    /// The QR code of `pairing_uri`, as an SVG document.
    pub qr_svg: String,
}

/// Which emails to list: `all` (the default), `waiting`, `sent` or `failed`; at most `limit`
/// (default 200, at most 2,000), newest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct EmailsListInput {
    pub filter: Option<String>,
    pub limit: Option<u32>,
}

/// An email the server sends for this store (a receipt, a confirmation, an invitation) and
/// where it stands, as this device last heard at a sync.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct EmailStatusDto {
    pub id: String,
    /// `receipt`, `booking_confirmation`, ...
    pub kind: String,
    pub to: String,
    pub subject: String,
    /// `queued`, `sending`, `sent` or `failed`.
    pub status: String,
    /// The server holds it (else it waits on this device for the next sync).
    pub on_server: bool,
    /// The server's attempts so far.
    pub attempts: u32,
    /// Why the last attempt failed; for a failed email, why the server gave up.
    pub last_error: Option<String>,
    pub queued_at: String,
    pub sent_at: Option<String>,
    /// The order or booking it belongs to.
    pub ref_id: Option<String>,
}

/// The emails of one sale or booking, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct EmailListOutput {
    pub emails: Vec<EmailStatusDto>,
}

/// The emails, and how many of all are waiting, sent and failed.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct EmailsOutput {
    pub emails: Vec<EmailStatusDto>,
    pub waiting: i64,
    pub sent: i64,
    pub failed: i64,
}
