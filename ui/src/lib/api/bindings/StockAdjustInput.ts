// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A correction of stock with its reason.
 */
export type StockAdjustInput = { product_id: string, 
/**
 * How many more (positive) or fewer (negative) there are.
 */
delta: number, reason: string, location_id?: string, };
