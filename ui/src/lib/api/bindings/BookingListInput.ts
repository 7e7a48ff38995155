// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Which bookings to list.
 */
export type BookingListInput = { departure_id?: string, status?: string, 
/**
 * A reference, a traveller's or customer's name, a customer id, a trip's name, or a
 * departure date (`YYYY-MM-DD`).
 */
search?: string, 
/**
 * Default 50, at most 500.
 */
limit?: number, };
