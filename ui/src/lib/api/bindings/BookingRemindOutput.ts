// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { BookingReminderDto } from "./BookingReminderDto";

/**
 * The balance reminders just queued, and the bookings due that have no address to send to.
 */
export type BookingRemindOutput = { reminded: Array<BookingReminderDto>, 
/**
 * References of bookings due whose customer has no email address.
 */
without_email: Array<string>, };
