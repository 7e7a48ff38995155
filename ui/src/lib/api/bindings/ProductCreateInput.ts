// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { ProductFields } from "./ProductFields";

/**
 * A new product, optionally with its first stock at a location.
 */
export type ProductCreateInput = { product: ProductFields, 
/**
 * Received at once (needs the adjust_stock permission).
 */
initial_stock?: number, location_id?: string, };
