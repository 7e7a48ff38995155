// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { CountLineInput } from "./CountLineInput";

/**
 * A stock count to post: what was counted at a location.
 */
export type StockCountInput = { 
/**
 * Default: the main location.
 */
location_id?: string, lines: Array<CountLineInput>, };
