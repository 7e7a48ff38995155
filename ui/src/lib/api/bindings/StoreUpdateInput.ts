// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A change of the store's name or currency; an absent field stays as it is.
 */
export type StoreUpdateInput = { name?: string, currency?: string, };
