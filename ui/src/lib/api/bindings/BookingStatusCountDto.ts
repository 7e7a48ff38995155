// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Bookings made in the period that have one status now.
 */
export type BookingStatusCountDto = { status: string, bookings: number, seats: number, value_minor: number, };
