// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * One group of a sales report.
 */
export type SalesRowDto = { key: string, label: string, orders: number, 
/**
 * Units sold (by product or category).
 */
quantity: number | null, gross_minor: number, 
/**
 * Absent by tender.
 */
discount_minor: number | null, 
/**
 * Absent by tender.
 */
tax_minor: number | null, refunds: number, refunds_minor: number, net_minor: number, cost_minor: number | null, margin_minor: number | null, };
