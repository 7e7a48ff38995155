// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * An item in stock with no sale for the slow-mover days.
 */
export type SlowMoverDto = { product_id: string, sku: string, name: string, on_hand: number, last_sold: string | null, value_minor: number | null, };
