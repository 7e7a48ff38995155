// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A balance still to collect.
 */
export type BookingDueDto = { booking_id: string, reference: string, status: string, trip_name: string, customer_name: string | null, departs_at: string, due_on: string, balance_minor: number, overdue: boolean, };
