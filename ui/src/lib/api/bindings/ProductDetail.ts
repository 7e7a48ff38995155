// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { BatchDto } from "./BatchDto";
import type { LocationLevelDto } from "./LocationLevelDto";
import type { MovementDto } from "./MovementDto";
import type { PriceChangeDto } from "./PriceChangeDto";
import type { ProductDto } from "./ProductDto";

/**
 * A product page: the product, its stock everywhere, variants, batches, prices, movements.
 */
export type ProductDetail = { product: ProductDto, levels: Array<LocationLevelDto>, variants: Array<ProductDto>, batches: Array<BatchDto>, 
/**
 * Newest first; cost prices only for roles that may see them.
 */
price_history: Array<PriceChangeDto>, 
/**
 * The latest 50 movements, newest first.
 */
movements: Array<MovementDto>, };
