// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Travellers of one type on a priced booking.
 */
export type PriceLineDto = { traveller_type: string, count: number, unit_minor: number, total_minor: number, };
