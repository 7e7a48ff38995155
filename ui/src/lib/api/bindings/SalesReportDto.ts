// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { ReportBasisDto } from "./ReportBasisDto";
import type { SalesRowDto } from "./SalesRowDto";
import type { SalesTotalsDto } from "./SalesTotalsDto";

/**
 * A sales report.
 */
export type SalesReportDto = { from: string, to: string, by: string, basis: ReportBasisDto, rows: Array<SalesRowDto>, totals: SalesTotalsDto, };
