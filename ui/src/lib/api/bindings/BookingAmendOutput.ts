// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { BookingDto } from "./BookingDto";

/**
 * What an amendment does (or did): seats and money before and after.
 */
export type BookingAmendOutput = { 
/**
 * The booking as it now stands (unchanged after a preview).
 */
booking: BookingDto, preview: boolean, departure_id: string, seats_before: number, seats_after: number, total_before: number, total_after: number, 
/**
 * More to pay (above 0) or less (below 0).
 */
difference_minor: number, deposit_after: number, balance_due_on: string, 
/**
 * Paid beyond the new total: refunded to the tenders it came from.
 */
refund_minor: number, balance_after: number, };
