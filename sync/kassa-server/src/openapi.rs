//! The OpenAPI 3.1 document, built from the same route table the router serves.

use crate::routes::route_specs;
use crate::validate::{DEFAULT_PULL_LIMIT, MAX_NAME_CHARS};
use kassa_sync_protocol::wire::{MAX_PULL_CHANGES, MAX_PUSH_CHANGES, PROTOCOL_VERSION};
use serde_json::{Map, Value, json};

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn parameters(path: &str) -> Value {
    let mut params = Vec::new();
    if path.ends_with("/pull") {
        params.push(json!({"name": "after", "in": "query", "required": false,
            "description": "The cursor: log places up to it are skipped.",
            "schema": {"type": "integer", "minimum": 0, "default": 0}}));
        params.push(json!({"name": "limit", "in": "query", "required": false,
            "description": "Log entries to read; larger values are capped.",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PULL_CHANGES, "default": DEFAULT_PULL_LIMIT}}));
    }
    if path.ends_with("/push") {
        params.push(json!({"name": crate::routes::SCHEMA_VERSION_HEADER, "in": "header", "required": false,
            "description": "The device's schema version; an old one is refused with update_required.",
            "schema": {"type": "integer", "minimum": 0}}));
    }
    for (name, description) in [
        ("target", "The platform: linux, windows or darwin."),
        ("arch", "The architecture: x86_64, aarch64, i686 or armv7."),
        ("current_version", "The version the app runs, e.g. 1.2.3."),
        ("version", "The release's version."),
        ("platform", "TARGET-ARCH, e.g. linux-x86_64."),
        ("file", "The artifact's file name."),
    ] {
        if path.contains(&format!("{{{name}}}")) {
            params.push(json!({"name": name, "in": "path", "required": true,
                "description": description, "schema": {"type": "string"}}));
        }
    }
    if path.ends_with("/webhooks/stripe") {
        params.push(json!({"name": crate::cards::SIGNATURE_HEADER, "in": "header", "required": true,
            "description": "t=<unix time>,v1=<HMAC-SHA256 hex of \"{t}.{raw body}\" under the webhook secret>; more than 300 s from the server's clock is refused.",
            "schema": {"type": "string"}}));
    }
    if path.ends_with("/emails") {
        params.push(
            json!({"name": "updated_after", "in": "query", "required": false,
            "description": "Only emails whose status changed at or after this RFC 3339 time.",
            "schema": {"type": "string", "format": "date-time"}}),
        );
    }
    if path.contains("{id}") {
        params.push(json!({"name": "id", "in": "path", "required": true,
            "schema": {"type": "string", "format": "uuid"}}));
    }
    Value::Array(params)
}

fn operation(spec: &crate::routes::RouteSpec) -> Value {
    let success = match spec.response {
        Some(name) => {
            json!({"description": "Success", "content": {"application/json": {"schema": schema_ref(name)}}})
        }
        None if spec.path.starts_with("/api/v1/update-files/") => {
            json!({"description": "Success", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}})
        }
        None => json!({"description": "Success"}),
    };
    let mut op = json!({
        "operationId": spec.operation_id,
        "summary": spec.summary,
        "parameters": parameters(spec.path),
        "responses": {
            "200": success,
            "default": {"description": "An error", "content": {"application/json": {"schema": schema_ref("ErrorBody")}}}
        }
    });
    if spec.path.starts_with("/api/v1/updates/") {
        op["responses"]["204"] = json!({"description": "No newer release for this platform"});
    }
    if let Some(name) = spec.request {
        op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": schema_ref(name)}}});
    }
    if spec.auth {
        op["security"] = json!([{"deviceToken": []}]);
    }
    op
}

fn schemas() -> Value {
    let text = json!({"type": "string"});
    let int = json!({"type": "integer", "minimum": 0});
    let change_props = json!({
        "change_id": {"type": "string", "format": "uuid"},
        "entity": {"type": "string", "minLength": 1, "maxLength": 64},
        "entity_id": {"type": "string", "minLength": 1, "maxLength": 128},
        "op": {"type": "string", "enum": ["upsert", "insert", "event"]},
        "payload": {"type": "object"},
        "hlc": int,
        "device_id": {"type": "string", "format": "uuid"}
    });
    let with = |extra: (&str, Value)| {
        let mut props = change_props.as_object().cloned().unwrap_or_default();
        props.insert(extra.0.into(), extra.1);
        let required: Vec<String> = props.keys().cloned().collect();
        json!({"type": "object", "properties": props, "required": required})
    };
    let mut schemas = json!({
        "HandshakeRequest": {"type": "object", "additionalProperties": false,
            "properties": {"protocol": int, "schema_version": int}, "required": ["protocol", "schema_version"]},
        "HandshakeResponse": {"type": "object",
            "properties": {"protocol": int, "min_schema_version": int, "update_required": {"type": "boolean"}, "server_time": text,
                "max_push_changes": {"type": "integer", "minimum": 1, "maximum": MAX_PUSH_CHANGES, "description": "the most changes one push may carry"}},
            "required": ["protocol", "min_schema_version", "update_required", "server_time", "max_push_changes"]},
        "StoreRecord": {"type": "object", "additionalProperties": false,
            "properties": {"id": {"type": "string", "format": "uuid"}, "code": text, "name": {"type": "string", "maxLength": MAX_NAME_CHARS},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}},
            "required": ["id", "code", "name", "currency"]},
        "PairRequest": {"type": "object", "additionalProperties": false,
            "properties": {"code": text, "protocol": int, "schema_version": int, "device_id": {"type": "string", "format": "uuid"},
                "device_name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME_CHARS},
                "store": {"oneOf": [schema_ref("StoreRecord"), {"type": "null"}]},
                "store_key": {"type": "string", "description": "the store key, 32 bytes in base64url: required with `store`, refused without it"}},
            "required": ["code", "protocol", "schema_version", "device_id", "device_name"]},
        "PairResponse": {"type": "object",
            "properties": {"store_id": text, "device_id": text, "device_code": text, "token": text, "server_time": text,
                "store_key": {"type": "string", "description": "the store key, 32 bytes in base64url"}},
            "required": ["store_id", "device_id", "device_code", "token", "server_time", "store_key"]},
        "PushedChange": with(("seq", json!({"type": "integer", "minimum": 1}))),
        "PushRequest": {"type": "object", "additionalProperties": false,
            "properties": {"batch_id": {"type": "string", "minLength": 1, "maxLength": 128},
                "changes": {"type": "array", "minItems": 1, "maxItems": MAX_PUSH_CHANGES, "items": schema_ref("PushedChange")}},
            "required": ["batch_id", "changes"]},
        "PushResponse": {"type": "object",
            "properties": {"accepted": int, "acked_seq": int, "server_time": text},
            "required": ["accepted", "acked_seq", "server_time"]},
        "LogEntry": with(("server_seq", int.clone())),
        "PullResponse": {"type": "object",
            "properties": {"changes": {"type": "array", "items": schema_ref("LogEntry")}, "cursor": int, "remaining": int, "server_time": text,
                "store_key_epoch": {"type": "integer", "minimum": 1, "description": "the store key's current epoch; a device holding an older newest epoch fetches /store-keys"},
                "audit_heads": {"type": "array", "items": schema_ref("AuditHead")}},
            "required": ["changes", "cursor", "remaining", "server_time", "store_key_epoch", "audit_heads"]},
        "StoreKeyRecord": {"type": "object",
            "properties": {"epoch": {"type": "integer", "minimum": 1}, "key": {"type": "string", "description": "32 bytes in base64url"}},
            "required": ["epoch", "key"]},
        "StoreKeysResponse": {"type": "object",
            "properties": {"keys": {"type": "array", "items": schema_ref("StoreKeyRecord"), "description": "every epoch, oldest first"}},
            "required": ["keys"]},
        "AuditHead": {"type": "object",
            "description": "The last audit entry the server holds of one device's chain",
            "properties": {"device_id": text, "seq": int, "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "server_seq": int},
            "required": ["device_id", "seq", "hash", "server_seq"]},
        "DeviceRecord": {"type": "object",
            "properties": {"device_id": text, "device_code": text, "name": text, "paired_at": text,
                "last_sync_at": {"type": ["string", "null"]}, "acked_seq": int, "revoked_at": {"type": ["string", "null"]}},
            "required": ["device_id", "device_code", "name", "paired_at", "acked_seq"]},
        "DevicesResponse": {"type": "object",
            "properties": {"devices": {"type": "array", "items": schema_ref("DeviceRecord")}}, "required": ["devices"]},
        "PairingCodeResponse": {"type": "object",
            "properties": {"code": text, "store_id": text, "expires_at": text},
            "required": ["code", "store_id", "expires_at"]},
        "UpdateManifest": {"type": "object",
            "properties": {"version": text, "notes": text, "pub_date": text, "url": text, "signature": text},
            "required": ["version", "notes", "pub_date", "url", "signature"]},
        "CardPaymentRequest": {"type": "object", "additionalProperties": false,
            "properties": {"payment_method": {"type": "string", "pattern": "^pm_[A-Za-z0-9_]+$", "maxLength": 128, "description": "the provider's PaymentMethod token; never a card number"},
                "amount_minor": {"type": "integer", "minimum": 1, "maximum": kassa_domain::money::MAX_AMOUNT_MINOR},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "order_id": {"type": "string", "format": "uuid"}, "payment_id": {"type": "string", "format": "uuid"},
                "idempotency_key": {"type": "string", "minLength": 1, "maxLength": 128, "description": "the checkout's key, also the PaymentIntent's Idempotency-Key"},
                "taken_offline_at": {"type": ["string", "null"], "format": "date-time", "description": "for a payment taken offline and forwarded now: the store's offline card limits are checked again"}},
            "required": ["payment_method", "amount_minor", "currency", "order_id", "payment_id", "idempotency_key"]},
        "CardPaymentResponse": {"type": "object",
            "properties": {"payment_id": text, "intent_id": {"type": ["string", "null"]},
                "status": {"type": "string", "enum": ["pending", "processing", "authorized", "captured", "declined", "canceled"]},
                "amount_minor": int, "currency": text, "brand": {"type": ["string", "null"]},
                "last4": {"type": ["string", "null"], "pattern": "^[0-9]{4}$"}, "decline_code": {"type": ["string", "null"]},
                "review": {"type": "string", "description": "why a manager must look at this payment: taken offline beyond the store's limits, charged all the same"}},
            "required": ["payment_id", "status", "amount_minor", "currency"]},
        "ProviderEvent": {"type": "object", "description": "A Stripe event: its id, type and data.object",
            "properties": {"id": text, "type": text, "data": {"type": "object"}}, "required": ["id", "type"]},
        "WebhookReceipt": {"type": "object",
            "properties": {"received": {"type": "boolean"}, "duplicate": {"type": "boolean"}, "status": {"type": ["string", "null"]}},
            "required": ["received", "duplicate"]},
        "Health": {"type": "object", "properties": {"status": text, "backend": text}, "required": ["status", "backend"]},
        "EmailState": {"type": "object",
            "properties": {"id": text, "device_id": text, "kind": text, "to_address": text, "subject": text,
                "ref_id": {"type": ["string", "null"]},
                "status": {"type": "string", "enum": ["queued", "sending", "sent", "failed"]},
                "attempts": int, "last_error": {"type": ["string", "null"]}, "queued_at": text,
                "next_attempt_at": text, "sent_at": {"type": ["string", "null"]}, "updated_at": text},
            "required": ["id", "device_id", "kind", "to_address", "subject", "status", "attempts", "queued_at", "next_attempt_at", "updated_at"]},
        "EmailsResponse": {"type": "object",
            "properties": {"emails": {"type": "array", "items": schema_ref("EmailState")}}, "required": ["emails"]},
        "ErrorBody": {"type": "object",
            "properties": {"error": {"type": "object", "properties": {"code": text, "message": text,
                "request_id": {"type": "string", "description": "the request's id (x-request-id), as the server's log names it"}},
                "required": ["code", "message"]}},
            "required": ["error"]}
    });
    // The card refund route's schemas, apart: one json! of them all is past the macro's recursion limit.
    schemas["CardRefundRequest"] = json!({"type": "object", "additionalProperties": false,
            "properties": {"refund_payment_id": {"type": "string", "format": "uuid", "description": "the device's refund payment id, also the provider's Idempotency-Key"},
                "payment_id": {"type": "string", "format": "uuid"},
                "intent_id": {"type": "string", "pattern": "^pi_[A-Za-z0-9_]+$", "maxLength": 255},
                "amount_minor": {"type": "integer", "minimum": 1, "maximum": kassa_domain::money::MAX_AMOUNT_MINOR},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}},
            "required": ["refund_payment_id", "payment_id", "intent_id", "amount_minor", "currency"]});
    schemas["CardRefundResponse"] = json!({"type": "object",
            "properties": {"refund_payment_id": text, "payment_id": text, "intent_id": text,
                "status": {"type": "string", "enum": ["pending", "refunded", "failed"]},
                "amount_minor": int, "currency": text, "provider_refund_id": {"type": ["string", "null"]},
                "failure_reason": {"type": ["string", "null"]}},
            "required": ["refund_payment_id", "payment_id", "intent_id", "status", "amount_minor", "currency"]});
    schemas["InvitationEmailRequest"] = json!({"type": "object", "additionalProperties": false,
            "properties": {"id": {"type": "string", "format": "uuid", "description": "the device's email_outbox row (kind staff_invitation); a retry with it sends nothing twice"},
                "invitation_id": {"type": "string", "format": "uuid"},
                "kind": {"type": "string", "enum": ["invite", "reenrol"]},
                "to_address": {"type": "string", "format": "email", "maxLength": 254},
                "subject": {"type": "string", "minLength": 1, "maxLength": 200},
                "display_name": {"type": ["string", "null"], "maxLength": 200},
                "role": {"type": "string", "enum": ["cashier", "agent", "manager", "admin"]},
                "expires_at": {"type": "string", "format": "date-time"},
                "code": {"type": ["string", "null"], "pattern": "^[A-Za-z0-9-]+$", "maxLength": kassa_sync_protocol::wire::MAX_INVITATION_CODE_CHARS, "description": "the one-time code; required unless withdrawn"},
                "withdrawn": {"type": ["string", "null"], "maxLength": 200, "description": "why the email is not to be sent after all; kept as failed, without a code"}},
            "required": ["id", "invitation_id", "kind", "to_address", "subject", "role", "expires_at"]});
    schemas["CardFindingsResponse"] = json!({"type": "object",
            "properties": {"findings": {"type": "array", "items": {"type": "object",
                "properties": {"at": {"type": "string", "format": "date-time"},
                    "finding": {"type": "string", "enum": ["recorded", "status_reconciled", "amount_differs", "offline_limits_broken"]},
                    "device_id": {"type": ["string", "null"]}, "payment_id": text, "order_id": text,
                    "intent_id": {"type": ["string", "null"]}, "amount_minor": int, "currency": text, "status": text,
                    "review": {"type": ["string", "null"]}},
                "required": ["at", "finding", "payment_id", "order_id", "amount_minor", "currency", "status"]}}},
            "required": ["findings"]});
    schemas["AllotmentRequest"] = json!({"type": "object", "additionalProperties": false,
            "properties": {"pool_id": {"type": "string", "format": "uuid", "description": "the capacity pool (a departure's pool_id); the server must have its capacity_pools change from a sync"},
                "departure_id": {"type": "string", "format": "uuid", "description": "the departure the request was made from, for the pool's history"},
                "seats": {"type": "integer", "minimum": 0, "maximum": crate::validate::MAX_ALLOTMENT_SEATS, "description": "the seats this device wants to hold in all (not a difference)"},
                "version": {"type": "integer", "minimum": 1, "description": "above every version this device sent for the pool; one at or below the version held changes nothing"},
                "release_at": {"type": "string", "format": "date-time", "description": "when the unsold seats go back to the pool"}},
            "required": ["pool_id", "departure_id", "seats", "version", "release_at"]});
    schemas["AllotmentResponse"] = json!({"type": "object",
            "properties": {"pool_id": text, "seats": {"type": "integer", "minimum": 0, "description": "the seats this device holds"},
                "version": {"type": "integer", "minimum": 0, "description": "the version of the request that set them (0 before any)"},
                "release_at": {"type": ["string", "null"], "format": "date-time"},
                "capacity": {"type": "integer", "minimum": 0, "description": "the pool's capacity, as the store's log has it"},
                "held": {"type": "integer", "minimum": 0, "description": "the seats the store's devices hold together"},
                "free": {"type": "integer", "minimum": 0, "description": "capacity - held, never below 0"}},
            "required": ["pool_id", "seats", "version", "capacity", "held", "free"]});
    schemas["InvitationEmailResponse"] = json!({"type": "object",
            "properties": {"id": text, "status": {"type": "string", "enum": ["queued", "sending", "sent", "failed"]}},
            "required": ["id", "status"]});
    schemas
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for spec in route_specs() {
        let entry = paths.entry(spec.path).or_insert_with(|| json!({}));
        entry[spec.method] = operation(&spec);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Kassa sync server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!("Sync protocol {PROTOCOL_VERSION}. Every error is {{\"error\":{{\"code\",\"message\"}}}}.")
        },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {"deviceToken": {"type": "http", "scheme": "bearer", "description": "The token a device received when it paired."}}
        }
    })
}
