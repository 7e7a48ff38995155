// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * The store's own row: its name and currency.
 */
export type StoreProfileDto = { id: string, code: string, name: string, 
/**
 * ISO 4217 code, e.g. `EUR`.
 */
currency: string, 
/**
 * Whether the currency can no longer change (something was sold).
 */
currency_locked: boolean, 
/**
 * Whether the signed-in person may change it.
 */
editable: boolean, };
