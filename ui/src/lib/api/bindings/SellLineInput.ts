// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A line to sell without a cart: barcode or SKU and quantity.
 */
export type SellLineInput = { code: string, quantity: number, };
