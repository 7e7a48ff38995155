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
initial_stock?: number, location_id?: string, 
/**
 * A category by its path, e.g. `Drinks > Coffee`, made in the same transaction if
 * missing (instead of `product.category_id`).
 */
category_path?: string, 
/**
 * A tax class by its name, any case (instead of `product.tax_class_id`).
 */
tax_class_name?: string, };
