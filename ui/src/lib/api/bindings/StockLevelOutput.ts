// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { LevelDto } from "./LevelDto";

/**
 * An item's stock level.
 */
export type StockLevelOutput = { product_id: string, sku: string, 
/**
 * The name with the variant.
 */
name: string, stock_tracked: boolean, 
/**
 * The location asked for; `null`: over all locations.
 */
location_id: string | null, 
/**
 * `null` when the item is not stock-tracked (a service).
 */
level: LevelDto | null, };
