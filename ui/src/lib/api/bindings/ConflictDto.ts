// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A conflict the merge found between devices' changes.
 */
export type ConflictDto = { id: string, 
/**
 * What clashed: `duplicate_sku`, `ledger_mismatch`, `clock_ahead`, ...
 */
kind: string, entity: string, entity_id: string, 
/**
 * Both sides and what the merge did.
 */
detail: unknown, 
/**
 * The change that found it and the device that made it.
 */
change_id: string, device_id: string, created_at: string, resolved_at: string | null, resolved_by: string | null, resolution: string | null, };
