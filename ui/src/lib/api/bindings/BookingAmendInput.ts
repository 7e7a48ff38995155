// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { BookingOptionInput } from "./BookingOptionInput";
import type { TravellerInput } from "./TravellerInput";

/**
 * An amendment: travellers added or taken off, the options after it, or another departure
 * of the same trip. With `preview`, nothing changes and the difference is shown.
 */
export type BookingAmendInput = { booking: string, add_travellers?: Array<TravellerInput>, 
/**
 * Ids of the booking's travellers to take off.
 */
remove_travellers?: Array<string>, 
/**
 * The booking's options after the amendment; one left out is taken off. Absent: the
 * options stay as they are.
 */
options?: Array<BookingOptionInput>, departure_id?: string, note?: string, preview?: boolean, };
