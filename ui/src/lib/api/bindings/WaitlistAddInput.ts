// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A customer waiting for seats.
 */
export type WaitlistAddInput = { departure_id: string, customer_id: string, seats: number, note?: string, };
