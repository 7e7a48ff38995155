// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Add an item by barcode or SKU (`code`) or by `product_id`.
 */
export type CartAddInput = { code?: string, product_id?: string, 
/**
 * Default 1.
 */
quantity?: number, };
