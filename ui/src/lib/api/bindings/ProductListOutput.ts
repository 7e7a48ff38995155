// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { ProductDto } from "./ProductDto";

/**
 * Products found.
 */
export type ProductListOutput = { items: Array<ProductDto>, 
/**
 * The id of the item whose barcode or SKU is exactly the query, if any (Enter picks it).
 */
exact_id: string | null, 
/**
 * All products of the store.
 */
total: number, };
