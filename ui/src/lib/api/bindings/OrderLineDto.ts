// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A sold line, with what was returned of it.
 */
export type OrderLineDto = { id: string, product_id: string, sku: string, name: string, quantity: number, returned: number, unit_price_minor: number, tax_rate_bp: number, discount_minor: number, total_minor: number, price_changed: boolean, };
