// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * How far this device is from the server.
 */
export type SyncStatusDto = { 
/**
 * `not_paired` (no server yet), `offline`, `syncing` or `online`.
 */
state: string, 
/**
 * Changes made here that have not reached the server.
 */
pending_changes: number, 
/**
 * Bytes of those changes.
 */
pending_bytes: number, 
/**
 * RFC 3339 time of the last successful sync.
 */
last_sync_at: string | null, };
