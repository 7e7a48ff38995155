// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Goods received from a supplier.
 */
export type StockReceiveInput = { product_id: string, qty: number, 
/**
 * Default: the main location.
 */
location_id?: string, batch_code?: string, 
/**
 * YYYY-MM-DD; needs a batch code.
 */
expires_on?: string, unit_cost_minor?: number, note?: string, };
