// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * An offline card payment still waiting for the provider.
 */
export type PendingCardDto = { 
/**
 * The card payment.
 */
payment_id: string, 
/**
 * The sale's order, or the booking the card was taken for.
 */
order_id: string, 
/**
 * The sale's receipt number, or the booking's reference.
 */
number: string, amount_minor: number, card_brand: string | null, card_last4: string | null, customer_contact: string | null, taken_at: string, age_hours: number, 
/**
 * Older than the store's maximum age: no more card payments are taken offline.
 */
overdue: boolean, 
/**
 * At least `payments.card_alarm_hours` old: shown as an alarm.
 */
alarm: boolean, 
/**
 * Why the last forward to the card provider did not end in an outcome.
 */
forward_error: string | null, };
