// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * An item's stock by barcode or SKU: over all locations, or at one.
 */
export type StockLevelInput = { 
/**
 * A barcode or SKU, exactly.
 */
code: string, location_id?: string, };
