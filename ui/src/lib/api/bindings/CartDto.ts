// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { CartLineDto } from "./CartLineDto";
import type { DiscountDto } from "./DiscountDto";
import type { TaxLineDto } from "./TaxLineDto";

/**
 * The open cart, priced.
 */
export type CartDto = { id: string, lines: Array<CartLineDto>, customer_id: string | null, customer_name: string | null, order_discount: DiscountDto, subtotal_minor: number, discount_minor: number, tax_minor: number, total_minor: number, taxes: Array<TaxLineDto>, 
/**
 * What cash would have to cover after rounding (e.g. to 0.05 CHF).
 */
cash_total_minor: number, 
/**
 * Carts parked on this device.
 */
parked: number, };
