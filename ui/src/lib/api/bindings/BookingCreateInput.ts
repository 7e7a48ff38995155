// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { BookingOptionInput } from "./BookingOptionInput";
import type { BookingTenderInput } from "./BookingTenderInput";
import type { TravellerInput } from "./TravellerInput";

/**
 * A new booking: a quote, held (`hold`), and paid at once (`payments`, which hold it).
 */
export type BookingCreateInput = { departure_id: string, customer_id?: string, travellers: Array<TravellerInput>, options?: Array<BookingOptionInput>, note?: string, hold?: boolean, waitlist_id?: string, payments?: Array<BookingTenderInput>, };
