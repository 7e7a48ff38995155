// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A departure's seats, set (never below what is booked).
 */
export type DepartureCapacityInput = { departure_id: string, seats: number, };
