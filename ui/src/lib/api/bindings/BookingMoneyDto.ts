// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { BookingTenderMoneyDto } from "./BookingTenderMoneyDto";

/**
 * Money taken for bookings in the period and refunded.
 */
export type BookingMoneyDto = { payments: number, 
/**
 * The parts of payments that brought their booking up to its deposit.
 */
deposits_minor: number, 
/**
 * The parts beyond the deposit.
 */
balances_minor: number, taken_minor: number, refunds: number, refunded_minor: number, net_minor: number, by_tender: Array<BookingTenderMoneyDto>, };
