// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { LevelDto } from "./LevelDto";

/**
 * A product's stock after a change.
 */
export type StockChangeOutput = { product_id: string, location_id: string, 
/**
 * At the location.
 */
level: LevelDto, 
/**
 * Over all locations.
 */
total: LevelDto, movement_ids: Array<string>, };
