// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * New terms for a trip's bookings from now on (bookings already made keep theirs). A field
 * left out keeps the trip's; `store_policy` takes the store's booking policy for all four.
 */
export type TripPolicyInput = { 
/**
 * The trip's id or code.
 */
trip: string, deposit: string | null, balance_due_days: number | null, cancellation_policy: string | null, hold_minutes: number | null, store_policy: boolean | null, };
