// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A report to export as a file.
 */
export type ReportExportInput = { 
/**
 * sales, stock or staff.
 */
report: string, 
/**
 * csv or pdf.
 */
format: string, 
/**
 * For sales and staff.
 */
from?: string, to?: string, 
/**
 * For sales: how rows are grouped.
 */
by?: string, 
/**
 * For sales: add cost and margin.
 */
with_cost?: boolean, 
/**
 * For stock.
 */
as_of?: string, };
