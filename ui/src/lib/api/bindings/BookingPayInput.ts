// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A payment on a booking.
 */
export type BookingPayInput = { booking: string, 
/**
 * `cash` or `voucher`.
 */
kind: string, amount_minor: number, 
/**
 * The voucher's code, for `voucher`.
 */
voucher_code: string | null, };
