// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * One balance reminder queued.
 */
export type BookingReminderDto = { booking_id: string, reference: string, email_id: string, to: string, due_on: string, balance_minor: number, };
