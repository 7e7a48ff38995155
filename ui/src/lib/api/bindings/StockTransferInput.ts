// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Moving stock between two locations.
 */
export type StockTransferInput = { product_id: string, qty: number, from_location_id: string, to_location_id: string, };
