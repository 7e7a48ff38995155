// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * An option or add-on of a trip.
 */
export type TripOptionDto = { id: string, name: string, price_minor: number, 
/**
 * Per departure; none: unlimited.
 */
capacity: number | null, };
