// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
export type BookingPaymentDto = { 
/**
 * `payment` or `refund`.
 */
direction: string, kind: string, amount_minor: number, receipt_number: string, at: string, 
/**
 * A card's brand and last four digits, as the terminal reported them.
 */
card_brand: string | null, card_last4: string | null, 
/**
 * A card refund: `pending` until the card provider has paid it back (`refunded`) or
 * refused (`failed`, a task for a manager); `not_charged` when the card it goes back
 * to was declined (nothing was charged, so nothing goes back).
 */
card_refund_status: string | null, 
/**
 * A card payment: `captured`, `offline_pending` (taken offline, waiting for the card
 * provider; it counts as paid until then) or `declined` (it does not count: the booking
 * owes it again).
 */
card_status: string | null, };
