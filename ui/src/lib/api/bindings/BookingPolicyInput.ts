// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * The store's booking policy for new trips: all four terms, saved together.
 */
export type BookingPolicyInput = { 
/**
 * `30%` or a fixed amount in minor units (`5000`).
 */
deposit: string, balance_due_days: number, 
/**
 * Fees by days before departure: `60:0,30:25%,10:50%,0:100%` (a row for 0 days needed).
 */
cancellation_policy: string, hold_minutes: number, };
