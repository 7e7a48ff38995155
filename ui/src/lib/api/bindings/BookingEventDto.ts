// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A step of a booking's history.
 */
export type BookingEventDto = { event: string, staff_id: string, device_id: string, 
/**
 * What it settled, as JSON text.
 */
detail: string, at: string, };
