// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A report to export as a file.
 */
export type ReportExportInput = { 
/**
 * sales, stock, staff, bookings or cards.
 */
report: string, 
/**
 * csv or pdf.
 */
format: string, 
/**
 * For sales, staff, bookings and cards.
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
as_of?: string, 
/**
 * The language of the file's words, numbers and dates (`en`, `de`): the person's; the
 * store's receipt language when not given. CSV numbers keep a dot whatever the language.
 */
language?: string, };
