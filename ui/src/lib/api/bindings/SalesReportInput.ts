// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A sales report to make: business dates `from` to `to` (YYYY-MM-DD, both included).
 */
export type SalesReportInput = { from: string, to: string, 
/**
 * product, category, staff, tender, customer, device, hour, day (default), week or month.
 */
by?: string, 
/**
 * Add cost and margin; only for roles that may see cost prices.
 */
with_cost?: boolean, };
