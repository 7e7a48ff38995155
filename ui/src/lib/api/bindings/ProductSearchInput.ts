// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * What a product search asks for.
 */
export type ProductSearchInput = { 
/**
 * Words to find (prefixes of name, SKU, barcode or category; accents ignored), or an
 * exact barcode or SKU. Empty: all products by name.
 */
query?: string, 
/**
 * At most this many (default 50, at most 500).
 */
limit?: number, offset?: number, include_inactive?: boolean, category_id?: string, 
/**
 * Levels at this location rather than over all locations.
 */
location_id?: string, };
