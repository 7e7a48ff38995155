// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { PairedDto } from "./PairedDto";

/**
 * How far this device is from the server.
 */
export type SyncStatusDto = { 
/**
 * `not_paired` (no server yet), `offline` (the last sync failed), `syncing` or
 * `online` (the last sync went through).
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
last_sync_at: string | null, 
/**
 * The server this device is paired with; `None` before pairing.
 */
paired: PairedDto | null, 
/**
 * Why the last sync failed (`code: message`), or a clock warning; `None` after a
 * clean sync.
 */
last_error: string | null, 
/**
 * Conflicts between devices' changes that wait for a manager.
 */
open_conflicts: number, 
/**
 * While a sync pulls a long log: the changes of the server's log left to pull.
 */
pull_remaining: number | null, 
/**
 * Card payments taken offline here that have waited for the provider longer than the
 * store's `payments.card_alarm_hours`: an alarm.
 */
card_alarms: number, };
