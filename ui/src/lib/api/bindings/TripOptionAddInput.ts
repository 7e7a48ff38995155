// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A new option of a trip.
 */
export type TripOptionAddInput = { 
/**
 * The trip's id or code.
 */
trip: string, name: string, price_minor: number, capacity?: number, };
