// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
export type BookingSummaryDto = { booking_id: string, reference: string, status: string, departure_id: string, departs_at: string, 
/**
 * The departure's time zone, which its times are read in.
 */
time_zone: string, trip_name: string, customer_id: string | null, customer_name: string | null, seats: number, total_minor: number, paid_minor: number, balance_due_on: string, 
/**
 * When a held booking's hold ends (past it, the hold has lapsed: its seats count for
 * nobody until the device that made it marks it expired).
 */
hold_expires_at: string | null, };
