// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * What one person did for bookings in the period.
 */
export type AgentTotalsDto = { staff_id: string, name: string, bookings: number, seats: number, value_minor: number, cancelled: number, 
/**
 * Money they took for bookings.
 */
taken_minor: number, };
