// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Seats of a departure's pool to ask the server for, or to give back.
 */
export type AllotmentChangeInput = { departure_id: string, seats: number, };
