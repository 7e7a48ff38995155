// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { OrderStatus } from "./OrderStatus";
import type { OrderEventDto } from "./OrderEventDto";
import type { OrderLineDto } from "./OrderLineDto";
import type { PaymentDto } from "./PaymentDto";
import type { TaxLineDto } from "./TaxLineDto";

/**
 * An order with everything that belongs to it.
 */
export type OrderDto = { id: string, number: string, status: OrderStatus, customer_id: string | null, staff_name: string | null, currency: string, subtotal_minor: number, discount_minor: number, tax_minor: number, total_minor: number, rounding_minor: number, change_minor: number, refunded_minor: number, 
/**
 * Still owed because the card provider declined a card after the sale (0: none).
 */
balance_owed_minor: number, created_at: string, lines: Array<OrderLineDto>, taxes: Array<TaxLineDto>, payments: Array<PaymentDto>, events: Array<OrderEventDto>, };
