// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { LocationValueDto } from "./LocationValueDto";

/**
 * Stock on hand valued at cost.
 */
export type StockValuationOutput = { total_minor: number, units: number, by_location: Array<LocationValueDto>, 
/**
 * Items with stock but no cost price: their value is unknown, not counted.
 */
items_without_cost: number, };
