// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/** A failed command's stable code (kassa_domain::ErrorCode); the UI matches on it. */
export type ErrorCode = "invalid_input" | "not_found" | "unauthenticated" | "invalid_credentials" | "account_locked" | "totp_reused" | "forbidden" | "insufficient_stock" | "insufficient_seats" | "already_exists" | "idempotency_mismatch" | "conflict" | "weak_password" | "not_set_up" | "session_locked" | "clock_moved_back" | "invalid_transition" | "schema_too_new" | "keyring_unavailable" | "store_key_mismatch" | "unavailable" | "server_unreachable" | "not_paired" | "update_required" | "device_revoked" | "device_cloned" | "sequence_gap" | "update_refused" | "currency_locked" | "card_declined" | "storage" | "internal";

/** Every value of `ErrorCode`, in the core's order. */
export const ERROR_CODES: readonly ErrorCode[] = [
  "invalid_input",
  "not_found",
  "unauthenticated",
  "invalid_credentials",
  "account_locked",
  "totp_reused",
  "forbidden",
  "insufficient_stock",
  "insufficient_seats",
  "already_exists",
  "idempotency_mismatch",
  "conflict",
  "weak_password",
  "not_set_up",
  "session_locked",
  "clock_moved_back",
  "invalid_transition",
  "schema_too_new",
  "keyring_unavailable",
  "store_key_mismatch",
  "unavailable",
  "server_unreachable",
  "not_paired",
  "update_required",
  "device_revoked",
  "device_cloned",
  "sequence_gap",
  "update_refused",
  "currency_locked",
  "card_declined",
  "storage",
  "internal",
];
