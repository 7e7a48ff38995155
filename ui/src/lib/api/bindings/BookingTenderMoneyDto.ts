// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Money of one tender taken for bookings and refunded.
 */
export type BookingTenderMoneyDto = { tender: string, taken_minor: number, refunded_minor: number, net_minor: number, };
