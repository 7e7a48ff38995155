// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { BookingOptionInput } from "./BookingOptionInput";
import type { TravellerInput } from "./TravellerInput";

/**
 * A booking to price before it is made.
 */
export type BookingPriceInput = { departure_id: string, travellers: Array<TravellerInput>, options?: Array<BookingOptionInput>, };
