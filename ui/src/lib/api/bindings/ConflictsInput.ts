// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Which conflicts to list.
 */
export type ConflictsInput = { 
/**
 * Resolved ones too (default: the open ones only).
 */
all?: boolean, 
/**
 * At most this many (default 500).
 */
limit?: number, };
