// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Which movements to list.
 */
export type StockMovementsInput = { product_id: string, location_id?: string, 
/**
 * Default 100, at most 5000.
 */
limit?: number, };
