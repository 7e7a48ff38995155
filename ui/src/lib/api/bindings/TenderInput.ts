// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * One tender at checkout.
 */
export type TenderInput = { 
/**
 * `cash`, `card` or `voucher`.
 */
kind: string, 
/**
 * Cash: what the customer hands over. Card and voucher: what to charge.
 */
amount_minor: number, 
/**
 * Card: the brand as the terminal shows it (e.g. VISA). Never the card number.
 */
card_brand?: string, 
/**
 * Card: the last four digits as the terminal shows them.
 */
card_last4?: string, 
/**
 * Card while offline: email or phone to reach the customer if the payment is declined later.
 */
customer_contact?: string, 
/**
 * Card: the terminal's token for it (the provider's PaymentMethod id, `pm_...`), never
 * the card number; forwarded to the provider through the server.
 */
card_token?: string, 
/**
 * Voucher: its code.
 */
voucher_code?: string, };
