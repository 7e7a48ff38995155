// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * The terms a trip sells under, or the store's booking policy new trips start from.
 */
export type BookingPolicyDto = { 
/**
 * `30%` or a fixed amount in minor units (`5000`).
 */
deposit: string, 
/**
 * `percent` (basis points) or `fixed` (minor units).
 */
deposit_kind: string, deposit_value: number, balance_due_days: number, 
/**
 * Fees by days before departure, fewest days first: `0:100%,10:50%,30:25%,60:0%`.
 */
cancellation_policy: string, hold_minutes: number, };
