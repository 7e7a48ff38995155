// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { LocationStockDto } from "./LocationStockDto";
import type { LowStockDto } from "./LowStockDto";
import type { ReportBasisDto } from "./ReportBasisDto";
import type { SlowMoverDto } from "./SlowMoverDto";

/**
 * The stock report.
 */
export type StockReportDto = { as_of: string, basis: ReportBasisDto, locations: Array<LocationStockDto>, units: number, value_minor: number, items_without_cost: number, low: Array<LowStockDto>, slow_mover_days: number, slow_movers: Array<SlowMoverDto>, };
