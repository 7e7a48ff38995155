//! DTOs of the foundation: status, setup, sign-in, audit.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The input of a command that takes nothing.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct NoInput {}

/// A plain acknowledgement.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Ok {
    pub ok: bool,
}

/// The store this device belongs to.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StoreDto {
    pub id: String,
    pub code: String,
    pub name: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Digits after the decimal point in this currency.
    pub currency_exponent: u8,
}

/// This device.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DeviceDto {
    pub id: String,
    pub code: String,
    pub name: String,
    /// Where the device key is kept: "OS keyring" or "KASSA_DEVICE_KEY".
    pub key_source: String,
}

/// The person signed in.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct UserDto {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// `cashier`, `agent`, `manager` or `admin`.
    #[ts(type = "Role")]
    pub role: String,
    /// Permissions of the role, by name; the UI shows only what they allow.
    #[ts(type = "Array<Permission>")]
    pub permissions: Vec<String>,
}

/// An open session.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SessionDto {
    pub session_id: String,
    pub user: UserDto,
    /// Also under its contract name for the CLI: the role.
    #[ts(type = "Role")]
    pub role: String,
    /// Backup codes still unused, when the sign-in used one.
    pub backup_codes_left: Option<u32>,
    /// The session is locked (idle or on request): its work is kept, the PIN unlocks it.
    pub locked: bool,
    /// An admin reset the password: the person must choose a new one before anything else.
    pub must_change_password: bool,
    /// The person has a quick-unlock PIN.
    pub has_pin: bool,
}

/// How far this device is from the server.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SyncStatusDto {
    /// `not_paired` (no server yet), `offline` (the last sync failed), `syncing` or
    /// `online` (the last sync went through).
    pub state: String,
    /// Changes made here that have not reached the server.
    pub pending_changes: u64,
    /// Bytes of those changes.
    pub pending_bytes: u64,
    /// RFC 3339 time of the last successful sync.
    pub last_sync_at: Option<String>,
    /// The server this device is paired with; `None` before pairing.
    pub paired: Option<crate::dto::PairedDto>,
    /// Why the last sync failed (`code: message`), or a clock warning; `None` after a
    /// clean sync.
    pub last_error: Option<String>,
    /// Conflicts between devices' changes that wait for a manager.
    pub open_conflicts: u64,
    /// While a sync pulls a long log: the changes of the server's log left to pull.
    pub pull_remaining: Option<u64>,
    /// Card payments taken offline here that have waited for the provider longer than the
    /// store's `payments.card_alarm_hours`: an alarm.
    pub card_alarms: u64,
}

/// Credentials of a demo store, shown on its sign-in screen only.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DemoLogin {
    pub email: String,
    #[ts(type = "Role")]
    pub role: String,
    pub password: String,
    /// The authenticator code for the current 30 s step.
    pub current_code: String,
}

/// What the app needs to draw its first screen.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AppStatus {
    /// False until first-run setup has made a store on this device.
    pub set_up: bool,
    pub store: Option<StoreDto>,
    pub device: Option<DeviceDto>,
    pub session: Option<SessionDto>,
    pub sync: SyncStatusDto,
    /// Present only for a store made by `kassa demo`.
    pub demo_logins: Option<Vec<DemoLogin>>,
    /// The cash drawer shift open on this till, if any.
    pub shift: Option<ShiftBadge>,
    /// The version of this Kassa build.
    pub version: String,
}

impl AppStatus {
    /// The status of a data folder with no store in it, told without opening (or creating)
    /// its database.
    pub fn without_store() -> AppStatus {
        AppStatus {
            set_up: false,
            store: None,
            device: None,
            session: None,
            sync: SyncStatusDto {
                state: "not_paired".to_string(),
                pending_changes: 0,
                pending_bytes: 0,
                last_sync_at: None,
                paired: None,
                last_error: None,
                open_conflicts: 0,
                pull_remaining: None,
                card_alarms: 0,
            },
            demo_logins: None,
            shift: None,
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// The open shift, as the top bar shows it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ShiftBadge {
    pub number: i64,
    pub opened_at: String,
}

/// First-run setup: the store, its currency and the first admin.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct SetupInput {
    pub store_name: String,
    /// ISO 4217 code such as `EUR`.
    pub currency: String,
    pub admin_email: String,
    pub admin_name: Option<String>,
    pub password: String,
    /// 2–8 letters or digits used in receipt numbers; derived from the name when absent.
    pub store_code: Option<String>,
    pub device_name: Option<String>,
}

/// The new admin's authenticator enrolment, shown once.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Enrolment {
    pub id: String,
    pub email: String,
    /// Base32, as typed into an authenticator app.
    pub totp_secret: String,
    /// The `otpauth://` URI in the QR code.
    pub otpauth_uri: String,
    /// The QR code as an SVG document.
    pub qr_svg: String,
    /// Ten single-use codes to write down.
    pub backup_codes: Vec<String>,
}

/// What setup made.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SetupOutput {
    pub store_id: String,
    pub device_id: String,
    pub admin: Enrolment,
}

/// A demo staff member's credentials.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DemoStaff {
    pub email: String,
    pub role: String,
    pub password: String,
    pub totp_secret: String,
}

/// What `kassa demo` made.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DemoOutput {
    pub store_id: String,
    pub device_id: String,
    pub staff: Vec<DemoStaff>,
}

/// Sign-in with a password and a second factor.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
    /// The 6-digit authenticator code; or give `backup_code`.
    pub totp_code: Option<String>,
    /// One of the printed backup codes, when the authenticator is not at hand.
    pub backup_code: Option<String>,
}

/// The first broken place in the audit trail.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BadAuditEntry {
    pub id: String,
    pub device_id: String,
    pub device_seq: u64,
    /// `altered`, `unlinked`, `missing`, `tail_missing` or `differs_from_server`.
    pub reason: String,
    pub description: String,
}

/// The audit trail's verification.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AuditVerifyOutput {
    pub ok: bool,
    pub entries: u64,
    pub first_bad: Option<BadAuditEntry>,
}

/// Which audit entries to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct AuditListInput {
    /// Action prefix such as `auth.`.
    pub action_prefix: Option<String>,
    pub actor_id: Option<String>,
    /// Entries where this staff member acted or approved.
    pub person_id: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// RFC 3339 lower bound.
    pub since: Option<String>,
    /// RFC 3339 upper bound (exclusive).
    pub until: Option<String>,
    /// At most this many (default 200, at most 5000).
    pub limit: Option<u32>,
}

/// One audit entry as the audit screen shows it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AuditEntryDto {
    pub id: String,
    pub device_id: String,
    pub device_seq: u64,
    pub at_utc: String,
    pub clock_offset_ms: i64,
    pub actor_id: Option<String>,
    pub actor_email: Option<String>,
    pub approver_id: Option<String>,
    pub approver_email: Option<String>,
    pub action: String,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// JSON text of the record before the change.
    pub before: Option<String>,
    /// JSON text of the record after the change.
    pub after: Option<String>,
}

/// The audit screen: entries and the chain's state.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AuditListOutput {
    pub entries: Vec<AuditEntryDto>,
    pub chain: AuditVerifyOutput,
}
