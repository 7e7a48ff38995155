// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * The seats of a departure's pool this device holds as an allotment from the server.
 */
export type AllotmentDto = { pool_id: string, 
/**
 * Seats this device holds.
 */
held: number, 
/**
 * Seats of bookings this device holds.
 */
used: number, 
/**
 * Seats this device may still sell now (0 from the release moment on).
 */
usable: number, 
/**
 * When the unsold seats go back to the pool, RFC 3339.
 */
release_at: string | null, released: boolean, 
/**
 * The server may hold another number until the next sync.
 */
pending: boolean, };
