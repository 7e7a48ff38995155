// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A stock report to make.
 */
export type StockReportInput = { 
/**
 * The business date slow movers are counted back from (YYYY-MM-DD); default today.
 */
as_of?: string, };
