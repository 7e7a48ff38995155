//! The HTTP API's requests and answers under `/api/v1`.
//!
//! Every answer that is not a success is an [`ErrorBody`] with a 4xx or 5xx status.
//! Devices authenticate with `Authorization: Bearer <device token>` on every call but
//! `handshake`, `pair` and `health`.

use crate::{Change, ChangeOp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// The protocol this crate speaks. A server refuses a device on another protocol with
/// `update_required`.
pub const PROTOCOL_VERSION: u32 = 1;

/// The most changes one push to this server may carry; the handshake says so
/// ([`HandshakeResponse::max_push_changes`]).
pub const MAX_PUSH_CHANGES: usize = 5_000;
/// The most changes one push may carry to a server whose handshake does not say.
pub const LEGACY_MAX_PUSH_CHANGES: usize = 1_000;
/// The most changes one pull page holds.
pub const MAX_PULL_CHANGES: u32 = 5_000;
/// The largest request body the server reads, in bytes.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// The largest payload one change may carry, in bytes of JSON: a device refuses to record a
/// larger one (a sale of thousands of lines, text pasted by the megabyte), so every change it
/// keeps fits in a push.
pub const MAX_CHANGE_BYTES: usize = 1024 * 1024;
/// A pull page ends with the change that takes its payloads past this many bytes (or at its
/// change limit, whichever comes first; it always holds the first change after the cursor).
pub const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;

/// `POST /api/v1/handshake`: a device says which protocol and schema it speaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandshakeRequest {
    pub protocol: u32,
    /// The device's local schema version (its highest migration).
    pub schema_version: u32,
}

/// The server's answer to a handshake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandshakeResponse {
    pub protocol: u32,
    /// The oldest device schema the server still syncs with.
    pub min_schema_version: u32,
    /// True when the device must update before it syncs; it keeps working offline.
    pub update_required: bool,
    /// The server's clock, RFC 3339 UTC with milliseconds.
    pub server_time: String,
    /// The most changes one push may carry (a device's batch may also end sooner, to keep its
    /// body under [`MAX_BODY_BYTES`]). Absent from a server that predates it, which takes
    /// [`LEGACY_MAX_PUSH_CHANGES`].
    #[serde(default = "legacy_max_push_changes")]
    pub max_push_changes: u32,
}

fn legacy_max_push_changes() -> u32 {
    LEGACY_MAX_PUSH_CHANGES as u32
}

/// The store a first device brings to the server when it pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreRecord {
    pub id: String,
    pub code: String,
    pub name: String,
    /// ISO 4217 code.
    pub currency: String,
}

/// `POST /api/v1/pair`: a device redeems a one-time pairing code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    pub code: String,
    pub protocol: u32,
    pub schema_version: u32,
    /// The device's own id (a UUIDv7 it made).
    pub device_id: String,
    /// A name people recognise in the device list ("Till 1", "Anna's laptop").
    pub device_name: String,
    /// The device's store: required with a code for a new store (the first device uploads
    /// it), and must match the code's store otherwise.
    pub store: Option<StoreRecord>,
    /// The store key (32 bytes, base64url without padding) that seals the store's synced
    /// secrets: sent by a store's first device with its store record, so the server can hand
    /// it to the devices that join later. The server keeps it sealed under its own key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_key: Option<String>,
}

/// The answer to a pairing: the device's credentials for every later call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairResponse {
    pub store_id: String,
    pub device_id: String,
    /// The device's code, unique in its store; receipt numbers carry it.
    pub device_code: String,
    /// The bearer token (256 bits, base64url). The server keeps only its hash.
    pub token: String,
    pub server_time: String,
    /// The store key (32 bytes, base64url without padding): a joining device keeps it in its
    /// keyring to open the secrets other devices sealed. Sent over TLS only (or loopback).
    /// It is the key's first epoch; a store whose key was rotated since says so in every
    /// pull answer, and the later epochs come from `GET /api/v1/store-keys`.
    pub store_key: String,
}

/// A change's payload as the JSON text it arrived in, checked to be JSON but not made into a
/// tree: the server keeps and forwards payloads without reading most of them, and reads the
/// few it acts on (audit entries, emails, settings) with [`RawPayload::to_value`]. Written
/// out again it is the very text it was read from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawPayload(Box<RawValue>);

impl RawPayload {
    /// The payload's JSON text.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// A payload from JSON text (as a log keeps it), checked to be one JSON value.
    pub fn from_json(text: String) -> Result<RawPayload, serde_json::Error> {
        RawValue::from_string(text).map(RawPayload)
    }

    /// A payload written from a JSON tree.
    pub fn from_value(value: &Value) -> Result<RawPayload, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(RawPayload)
    }

    /// The payload read into a JSON tree.
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }

    /// Whether the payload is a JSON object.
    pub fn is_object(&self) -> bool {
        self.0.get().trim_start().starts_with('{')
    }
}

/// Two payloads are equal when their texts are.
impl PartialEq for RawPayload {
    fn eq(&self, other: &RawPayload) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PushedChange {
    /// The same change with its payload written as JSON text.
    pub fn into_raw(self) -> Result<PushedChange<RawPayload>, serde_json::Error> {
        Ok(PushedChange {
            seq: self.seq,
            change: self.change.map_payload(|p| RawPayload::from_value(&p))?,
        })
    }
}

/// Reading and writing a type that is a number beside a change's own fields, in one object on
/// the wire, field by field: `#[serde(flatten)]` would buffer every entry of a push or a page
/// into an intermediate form before reading it, which was a large part of reading either.
/// Fields a newer peer adds are passed over, as before.
macro_rules! number_beside_change {
    ($ty:ident, $wire:ident, $number:ident) => {
        #[doc = concat!("A [`", stringify!($ty), "`] as it reads from the wire.")]
        #[derive(Deserialize)]
        struct $wire<P> {
            $number: u64,
            change_id: String,
            entity: String,
            entity_id: String,
            op: ChangeOp,
            payload: P,
            hlc: u64,
            device_id: String,
        }

        impl<P> From<$wire<P>> for $ty<P> {
            fn from(w: $wire<P>) -> $ty<P> {
                $ty {
                    $number: w.$number,
                    change: Change {
                        change_id: w.change_id,
                        entity: w.entity,
                        entity_id: w.entity_id,
                        op: w.op,
                        payload: w.payload,
                        hlc: w.hlc,
                        device_id: w.device_id,
                    },
                }
            }
        }

        impl<P: Serialize> Serialize for $ty<P> {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                use serde::ser::SerializeStruct;
                let c = &self.change;
                let mut o = s.serialize_struct(stringify!($ty), 8)?;
                o.serialize_field(stringify!($number), &self.$number)?;
                o.serialize_field("change_id", &c.change_id)?;
                o.serialize_field("entity", &c.entity)?;
                o.serialize_field("entity_id", &c.entity_id)?;
                o.serialize_field("op", &c.op)?;
                o.serialize_field("payload", &c.payload)?;
                o.serialize_field("hlc", &c.hlc)?;
                o.serialize_field("device_id", &c.device_id)?;
                o.end()
            }
        }
    };
}

/// One outbox change as pushed: the device's own sequence number beside it
/// ([`number_beside_change`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(
    from = "WirePushedChange<P>",
    bound(deserialize = "P: Deserialize<'de>")
)]
pub struct PushedChange<P = Value> {
    /// The change's place in the device's outbox; consecutive within a device.
    pub seq: u64,
    pub change: Change<P>,
}

number_beside_change!(PushedChange, WirePushedChange, seq);

/// `POST /api/v1/push`: a batch of outbox changes, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest<P = Value> {
    /// The batch's idempotency key: the same key with the same batch gives the first
    /// answer; with another batch it is `idempotency_mismatch`.
    pub batch_id: String,
    pub changes: Vec<PushedChange<P>>,
}

/// The answer to a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Changes the server took into its log from this batch; a replayed batch gets the
    /// first answer again, unchanged.
    pub accepted: u64,
    /// The device's highest outbox sequence the server holds: the device may drop
    /// every change up to it.
    pub acked_seq: u64,
    pub server_time: String,
}

/// `GET /api/v1/pull?after=CURSOR&limit=N`: changes other devices made, after a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse<P = Value> {
    pub changes: Vec<LogEntry<P>>,
    /// The cursor to ask from next; the device stores it with the changes it applied.
    pub cursor: u64,
    /// How many changes are still after `cursor`, for progress.
    pub remaining: u64,
    pub server_time: String,
    /// The store key's current epoch: 1 until a device of the store is revoked, then one
    /// more at each revocation. A device holding an older newest epoch fetches the keys it
    /// lacks (`GET /api/v1/store-keys`). A server from before rotation sends none: 1.
    #[serde(default = "first_epoch")]
    pub store_key_epoch: u32,
    /// The head of every device's audit chain as the server holds it, read with the page.
    /// A device that has pulled up to a head's `server_seq` must hold that chain up to it.
    #[serde(default)]
    pub audit_heads: Vec<AuditHead>,
}

fn first_epoch() -> u32 {
    1
}

/// `GET /api/v1/store-keys`: every epoch of the store's key, for a device of the store that
/// is neither revoked nor blocked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreKeysResponse {
    /// Oldest first.
    pub keys: Vec<StoreKeyRecord>,
}

/// One epoch of a store's key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreKeyRecord {
    pub epoch: u32,
    /// 32 bytes, base64url without padding.
    pub key: String,
}

/// The last audit entry the server holds of one device's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    pub device_id: String,
    /// The entry's place in its device's chain (`device_seq`).
    pub seq: u64,
    /// The entry's hash, lowercase hex.
    pub hash: String,
    /// The log place of the change that carried the entry.
    pub server_seq: u64,
}

/// The hash before a device's first audit entry, as the wire writes hashes (64 zeros).
pub const AUDIT_GENESIS_HEX: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// The entity name of an audit entry's change.
pub const AUDIT_ENTITY: &str = "audit_log";

/// One change in the server's log: on the wire, `server_seq` beside the change's own fields in
/// one object ([`number_beside_change`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "WireLogEntry<P>", bound(deserialize = "P: Deserialize<'de>"))]
pub struct LogEntry<P = Value> {
    /// The change's place in its store's log, given in commit order.
    pub server_seq: u64,
    pub change: Change<P>,
}

number_beside_change!(LogEntry, WireLogEntry, server_seq);

/// One device of a store, as `GET /api/v1/devices` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceRecord {
    pub device_id: String,
    pub device_code: String,
    pub name: String,
    pub paired_at: String,
    pub last_sync_at: Option<String>,
    /// The device's highest outbox sequence the server holds.
    pub acked_seq: u64,
    pub revoked_at: Option<String>,
}

/// `GET /api/v1/devices`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevicesResponse {
    pub devices: Vec<DeviceRecord>,
}

/// `POST /api/v1/pairing-codes`: a one-time code for another device to join the store of
/// the device that asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairingCodeResponse {
    /// Four groups of Crockford base32, e.g. `7KQ2-M9XD-0RTA-W4HF`; shown once.
    pub code: String,
    pub store_id: String,
    /// RFC 3339; the code is refused after it.
    pub expires_at: String,
}

/// An error's body: `{"error":{"code","message"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The code and message of an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// snake_case and stable: `invalid_input`, `unauthenticated`, `forbidden`, `not_found`,
    /// `conflict`, `idempotency_mismatch`, `sequence_gap`, `device_cloned`,
    /// `audit_chain_break`, `update_required`, `payload_too_large`, `internal`.
    pub code: String,
    pub message: String,
    /// The request's id (`x-request-id`), to find it in the server's log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// The longest one-time invitation code `POST /api/v1/emails/invitation` takes.
pub const MAX_INVITATION_CODE_CHARS: usize = 64;

/// `POST /api/v1/emails/invitation`: a device hands the server a staff invitation's (or a
/// re-enrolment's) one-time code to email to the person, once. The code travels only here,
/// never through sync; the server keeps it until the email is sent or failed for good.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvitationEmailRequest {
    /// The email's id: the device's `email_outbox` row of kind `staff_invitation` (a UUID).
    /// A retry with the same id answers what the server holds and sends nothing twice.
    pub id: String,
    /// The invitation's id (a UUID).
    pub invitation_id: String,
    /// `invite` (join the store) or `reenrol` (a new authenticator).
    pub kind: String,
    pub to_address: String,
    /// The subject the device's email list shows (the letter's is written by the server in
    /// the store's language).
    pub subject: String,
    /// How the invitation names the person, if it does.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `cashier`, `agent`, `manager` or `admin`.
    pub role: String,
    /// When the code stops working (RFC 3339).
    pub expires_at: String,
    /// The one-time code; required unless `withdrawn` is given.
    #[serde(default)]
    pub code: Option<String>,
    /// Why the email must not be sent after all (the invitation was withdrawn or accepted
    /// before the email reached the server): kept as failed with this reason, without a code.
    #[serde(default)]
    pub withdrawn: Option<String>,
}

impl std::fmt::Debug for InvitationEmailRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvitationEmailRequest")
            .field("id", &self.id)
            .field("invitation_id", &self.invitation_id)
            .field("kind", &self.kind)
            .field("to_address", &self.to_address)
            .field("role", &self.role)
            .field("expires_at", &self.expires_at)
            .field("code", &self.code.as_ref().map(|_| "<redacted>"))
            .field("withdrawn", &self.withdrawn)
            .finish_non_exhaustive()
    }
}

/// The server's answer to `POST /api/v1/emails/invitation`: the email as it holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationEmailResponse {
    pub id: String,
    /// `queued`, `sending`, `sent` or `failed`.
    pub status: String,
}

/// `GET /api/v1/payments/findings`: what the server found about the asking device's store's
/// card payments that a manager should see, newest first: the fixes reconciliation with the
/// card provider made, and the payments kept for a manager's review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardFindingsResponse {
    pub findings: Vec<CardFinding>,
}

/// One finding about a card payment, from the server's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardFinding {
    /// When the server found it (RFC 3339).
    pub at: String,
    /// `recorded` (the provider had a payment the server lacked), `status_reconciled` (the
    /// server took the provider's status), `amount_differs` (for a manager: the provider
    /// holds another amount), `offline_limits_broken` (taken offline beyond the store's
    /// limits, charged all the same).
    pub finding: String,
    /// The device that took the payment.
    pub device_id: Option<String>,
    pub payment_id: String,
    pub order_id: String,
    pub intent_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    /// The payment's status after the finding.
    pub status: String,
    /// What a manager must look at, when the finding leaves something to review.
    pub review: Option<String>,
}

/// `GET /api/v1/emails`: the emails of the asking device's store that the server sends, oldest
/// queued first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailsResponse {
    pub emails: Vec<EmailState>,
}

/// Where one email stands on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailState {
    /// The id of the device's `email_outbox` row.
    pub id: String,
    /// The device that queued it.
    pub device_id: String,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    pub ref_id: Option<String>,
    /// `queued`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: u32,
    /// Why the last attempt failed; for a failed email, why it was given up.
    pub last_error: Option<String>,
    pub queued_at: String,
    pub next_attempt_at: String,
    pub sent_at: Option<String>,
    pub updated_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handshake_without_a_push_limit_is_an_older_servers_and_takes_the_legacy_one() {
        let older: HandshakeResponse = serde_json::from_value(serde_json::json!({
            "protocol": 1, "min_schema_version": 1, "update_required": false,
            "server_time": "2026-12-06T10:00:00.000Z"
        }))
        .unwrap();
        assert_eq!(older.max_push_changes as usize, LEGACY_MAX_PUSH_CHANGES);
        let text = serde_json::to_value(HandshakeResponse {
            max_push_changes: MAX_PUSH_CHANGES as u32,
            ..older
        })
        .unwrap();
        assert_eq!(text["max_push_changes"], MAX_PUSH_CHANGES);
    }

    #[test]
    fn a_pushed_change_carries_its_sequence_beside_the_change_fields() {
        let c = PushedChange {
            seq: 7,
            change: Change {
                change_id: "c".into(),
                entity: "products".into(),
                entity_id: "p".into(),
                op: ChangeOp::Upsert,
                payload: serde_json::json!({"name": "Tea"}),
                hlc: 1 << 16,
                device_id: "d".into(),
            },
        };
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["seq"], 7);
        assert_eq!(v["entity"], "products");
        let back: PushedChange = serde_json::from_value(v).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn a_log_entry_is_one_object_of_its_sequence_and_the_change_fields() {
        let e = LogEntry {
            server_seq: 42,
            change: Change {
                change_id: "c".into(),
                entity: "customers".into(),
                entity_id: "k".into(),
                op: ChangeOp::Insert,
                payload: serde_json::json!({"name": "Zoë", "tags": ["regular"]}),
                hlc: 3 << 16 | 2,
                device_id: "d".into(),
            },
        };
        let text = serde_json::to_string(&e).unwrap();
        assert_eq!(
            text,
            r#"{"server_seq":42,"change_id":"c","entity":"customers","entity_id":"k","op":"insert","payload":{"name":"Zoë","tags":["regular"]},"hlc":196610,"device_id":"d"}"#
        );
        assert_eq!(serde_json::from_str::<LogEntry>(&text).unwrap(), e);
        // A field a newer server adds is passed over, in any place.
        let newer = text.replace(r#""op""#, r#""origin":{"x":1},"op""#);
        assert_eq!(serde_json::from_str::<LogEntry>(&newer).unwrap(), e);
        // A field missing or of the wrong type is an error naming it.
        let missing = text.replace(r#","hlc":196610"#, "");
        let err = serde_json::from_str::<LogEntry>(&missing).unwrap_err();
        assert!(err.to_string().contains("hlc"), "{err}");
        let wrong = text.replace(r#""server_seq":42"#, r#""server_seq":"42""#);
        assert!(serde_json::from_str::<LogEntry>(&wrong).is_err());
    }

    #[test]
    fn unknown_fields_in_a_request_are_refused() {
        let r: Result<HandshakeRequest, _> =
            serde_json::from_str(r#"{"protocol":1,"schema_version":6,"extra":true}"#);
        assert!(r.is_err());
    }

    #[test]
    fn a_pull_answer_from_a_server_before_key_rotation_is_at_the_first_epoch() {
        let r: PullResponse = serde_json::from_str(
            r#"{"changes":[],"cursor":0,"remaining":0,"server_time":"2026-12-03T08:00:00.000Z"}"#,
        )
        .unwrap();
        assert_eq!(r.store_key_epoch, 1);
    }
}

/// `POST /api/v1/payments/card`: a device asks the server to take a card payment through
/// the card provider. The card itself never reaches Kassa: the terminal hands over the
/// provider's PaymentMethod token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardPaymentRequest {
    /// The provider's PaymentMethod token (`pm_...`).
    pub payment_method: String,
    /// Minor units of `currency`, above zero.
    pub amount_minor: i64,
    /// ISO 4217, upper case.
    pub currency: String,
    pub order_id: String,
    pub payment_id: String,
    /// The checkout's idempotency key, also the PaymentIntent's: a retry after a crash
    /// finds the same payment and never charges twice.
    pub idempotency_key: String,
    /// When the payment was taken offline (RFC 3339), for a payment the device kept while
    /// the server could not be reached and forwards now: the server checks the store's
    /// offline card limits again and marks a payment beyond them for a manager's review.
    #[serde(default)]
    pub taken_offline_at: Option<String>,
}

/// The server's answer to a card payment: what the provider decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardPaymentResponse {
    pub payment_id: String,
    /// The provider's PaymentIntent id.
    pub intent_id: Option<String>,
    /// `captured`, `declined`, `authorized`, `processing`, `pending` or `canceled`.
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub brand: Option<String>,
    pub last4: Option<String>,
    /// The provider's reason for a decline (`card_declined`, ...).
    pub decline_code: Option<String>,
    /// Why a manager must look at this payment, when the server says so: a card taken offline
    /// beyond the store's offline limits (charged all the same, since the sale was made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
}

/// `POST /api/v1/payments/refund`: a device asks the server to pay a refund back to the card
/// it was paid with, through the card provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardRefundRequest {
    /// The device's refund payment id (a `refund_payments` row), also the provider's
    /// idempotency key: a retry never refunds twice.
    pub refund_payment_id: String,
    /// The card payment refunded.
    pub payment_id: String,
    /// The provider's PaymentIntent id of that payment.
    pub intent_id: String,
    /// Minor units of `currency`, above zero.
    pub amount_minor: i64,
    /// ISO 4217, upper case.
    pub currency: String,
}

/// The server's answer to a card refund: what the provider decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardRefundResponse {
    pub refund_payment_id: String,
    pub payment_id: String,
    pub intent_id: String,
    /// `refunded`, `failed` or `pending` (the provider has not answered yet).
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    /// The provider's refund id (`re_...`).
    pub provider_refund_id: Option<String>,
    /// The provider's reason for refusing the refund.
    pub failure_reason: Option<String>,
}

/// `POST /api/v1/allotments`: a device sets how many seats of a capacity pool it holds.
///
/// The request names the holding it wants in all (`seats`), not a difference, so a request
/// sent twice asks for the same thing twice. `version` grows with every request a device
/// makes for a pool; the server ignores one at or below the version it holds (a request
/// delivered late, after a newer one) and answers the holding as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllotmentRequest {
    /// The capacity pool (a departure's `pool_id`).
    pub pool_id: String,
    /// The departure the request was made from, for the pool's history.
    pub departure_id: String,
    /// The seats this device wants to hold in all, from 0.
    pub seats: i64,
    /// Above every version this device sent for the pool before.
    pub version: i64,
    /// When the unused seats go back to the pool (RFC 3339 UTC): the device stops selling
    /// them then, and returns them at its next sync.
    pub release_at: String,
}

/// The server's answer: the device's holding in the pool as it now stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllotmentResponse {
    pub pool_id: String,
    /// The seats this device holds.
    pub seats: i64,
    /// The version of the request that set them (0 before any).
    pub version: i64,
    pub release_at: Option<String>,
    /// The pool's capacity, as the store's log has it.
    pub capacity: i64,
    /// The seats every device of the store holds in the pool together.
    pub held: i64,
    /// Seats no device holds: `capacity - held`, never below 0.
    pub free: i64,
}
