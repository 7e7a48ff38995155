// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { BookingItemDto } from "./BookingItemDto";
import type { PriceLineDto } from "./PriceLineDto";
import type { TravellerIssueDto } from "./TravellerIssueDto";

/**
 * A booking priced as it would be made, with what its travellers still need; nothing booked.
 */
export type BookingPriceOutput = { currency: string, travellers: Array<PriceLineDto>, options: Array<BookingItemDto>, total_minor: number, deposit_minor: number, balance_due_on: string, seats_left: number, 
/**
 * Empty when every traveller passes the checks.
 */
issues: Array<TravellerIssueDto>, };
