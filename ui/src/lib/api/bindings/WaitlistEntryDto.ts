// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
export type WaitlistEntryDto = { id: string, departure_id: string, customer_id: string, seats: number, note: string | null, 
/**
 * `waiting`, `offered`, `booked` or `withdrawn`.
 */
status: string, created_at: string, };
