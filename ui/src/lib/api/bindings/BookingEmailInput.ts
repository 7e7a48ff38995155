// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A booking's confirmation to email: to `to`, or to the booking's customer.
 */
export type BookingEmailInput = { booking: string, to?: string, };
