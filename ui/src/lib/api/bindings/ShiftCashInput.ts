// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Cash in or out of the drawer.
 */
export type ShiftCashInput = { 
/**
 * `in` or `out`.
 */
kind: string, amount_minor: number, reason: string, };
