// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A period's totals, as the Z reports count them.
 */
export type SalesTotalsDto = { orders: number, gross_minor: number, discount_minor: number, tax_minor: number, rounding_minor: number, refunds: number, refunds_minor: number, refunds_tax_minor: number, refunds_rounding_minor: number, voids: number, net_minor: number, by_tender: { [key in string]?: number }, refunds_by_tender: { [key in string]?: number }, cost_minor: number | null, margin_minor: number | null, lines_without_cost: number | null, };
