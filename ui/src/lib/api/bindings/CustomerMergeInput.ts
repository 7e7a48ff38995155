// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Merge a duplicate into the customer kept.
 */
export type CustomerMergeInput = { keep_id: string, remove_id: string, };
