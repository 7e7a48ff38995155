// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A payment for a booking.
 */
export type BookingTenderInput = { 
/**
 * `cash` or `voucher` (a gift voucher or a customer's store credit).
 */
kind: string, amount_minor: number, 
/**
 * The voucher's code, for `voucher`.
 */
voucher_code?: string, };
