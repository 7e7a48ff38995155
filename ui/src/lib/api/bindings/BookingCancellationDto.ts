// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A booking cancelled in the period and what it settled.
 */
export type BookingCancellationDto = { booking_id: string, reference: string, trip_name: string, business_date: string, staff_name: string, total_minor: number, 
/**
 * The policy's fee.
 */
fee_minor: number, 
/**
 * The part of the fee covered by what was paid.
 */
kept_minor: number, refund_minor: number, 
/**
 * The part of the fee still owed.
 */
owed_minor: number, };
