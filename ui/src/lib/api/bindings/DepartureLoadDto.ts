// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * The seats of a departure leaving in the period.
 */
export type DepartureLoadDto = { departure_id: string, trip_code: string, trip_name: string, departs_at: string, capacity: number, booked: number, left: number, 
/**
 * Seats of the pool taken, in basis points of the capacity (10000 = full).
 */
load_bp: number, };
