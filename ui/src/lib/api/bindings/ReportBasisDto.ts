// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Where a report's data stands: what this device held when it made it.
 */
export type ReportBasisDto = { 
/**
 * When it was made (RFC 3339, UTC).
 */
made_at: string, 
/**
 * The last sync that went through; absent on a device never synced.
 */
last_sync_at: string | null, currency: string, currency_exponent: number, };
