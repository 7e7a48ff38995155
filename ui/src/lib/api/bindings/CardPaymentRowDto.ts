// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * One card payment with its sale and the customer.
 */
export type CardPaymentRowDto = { order_id: string, number: string, business_date: string, amount_minor: number, brand: string | null, last4: string | null, taken_at: string, age_minutes: number, 
/**
 * The contact taken with the payment.
 */
contact: string | null, customer_name: string | null, customer_email: string | null, customer_phone: string | null, };
