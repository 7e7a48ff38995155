// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * The store this device belongs to.
 */
export type StoreDto = { id: string, code: string, name: string, 
/**
 * ISO 4217 code.
 */
currency: string, 
/**
 * Digits after the decimal point in this currency.
 */
currency_exponent: number, };
