// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Every field of a product as the editor sends it; absent optional fields mean "none".
 */
export type ProductFields = { sku: string, name: string, description?: string, 
/**
 * `product` (default) or `service` (never stock-tracked).
 */
kind?: string, category_id?: string, parent_id?: string, 
/**
 * What tells a variant apart, e.g. `M / blue`.
 */
variant?: string, price_minor: number, 
/**
 * Ignored for roles that may not see cost prices (the stored cost stays).
 */
cost_minor?: number, 
/**
 * None: the item carries no tax.
 */
tax_class_id?: string, 
/**
 * Default true.
 */
active?: boolean, 
/**
 * Default true for products.
 */
stock_tracked?: boolean, allow_negative?: boolean, low_threshold?: number, barcodes?: Array<string>, };
