// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A payment on a booking.
 */
export type BookingPayInput = { booking: string, 
/**
 * `cash`, `voucher` or `card` (through the server's card provider; offline, within the
 * store's offline card limits).
 */
kind: string, amount_minor: number, 
/**
 * The voucher's code, for `voucher`.
 */
voucher_code: string | null, 
/**
 * The card terminal's token (`pm_...`), for `card`; never a card number.
 */
card_token?: string, 
/**
 * For `card`: the same key again is the same payment (a retry after a lost answer).
 */
idempotency_key?: string, };
