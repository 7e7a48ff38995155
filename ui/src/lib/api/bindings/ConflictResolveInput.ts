// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A manager's decision on a conflict.
 */
export type ConflictResolveInput = { conflict_id: string, 
/**
 * What was decided, in 1 to 500 characters (e.g. which side was kept).
 */
resolution: string, };
