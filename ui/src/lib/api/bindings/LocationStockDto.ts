// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Stock at one location.
 */
export type LocationStockDto = { location_id: string, name: string, units: number, value_minor: number, };
