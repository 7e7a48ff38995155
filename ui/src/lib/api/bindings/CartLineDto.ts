// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { DiscountDto } from "./DiscountDto";

/**
 * A cart line as the Sell screen shows it.
 */
export type CartLineDto = { id: string, product_id: string, sku: string, name: string, quantity: number, 
/**
 * The price kept from when the item was added.
 */
unit_price_minor: number, tax_rate_bp: number, price_includes_tax: boolean, discount: DiscountDto, discount_minor: number, total_minor: number, 
/**
 * The catalog's price now, when it differs from the kept price: the line is flagged.
 */
current_price_minor: number | null, };
