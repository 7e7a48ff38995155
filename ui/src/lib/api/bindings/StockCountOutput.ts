// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { CountLineDto } from "./CountLineDto";

/**
 * A posted count.
 */
export type StockCountOutput = { count_id: string, lines: Array<CountLineDto>, };
