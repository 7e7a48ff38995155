// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { ExpiringDto } from "./ExpiringDto";
import type { LowStockDto } from "./LowStockDto";

/**
 * What needs attention in stock.
 */
export type StockAlertsOutput = { low: Array<LowStockDto>, expiring: Array<ExpiringDto>, };
