// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Bookings made in the period for one trip.
 */
export type TripTotalsDto = { trip_id: string, code: string, name: string, bookings: number, seats: number, value_minor: number, cancelled: number, };
