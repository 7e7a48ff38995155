// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A line to take back.
 */
export type RefundLineInput = { 
/**
 * The order line; or give `sku`.
 */
order_line_id?: string, sku?: string, quantity: number, 
/**
 * False: damaged, written off instead of going back on the shelf (default true).
 */
restock?: boolean, };
