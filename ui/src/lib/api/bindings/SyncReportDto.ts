// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * What one sync did.
 */
export type SyncReportDto = { 
/**
 * Changes the server acknowledged; they left the outbox.
 */
pushed: number, 
/**
 * Changes from other devices applied here.
 */
pulled: number, 
/**
 * Changes a person must decide on.
 */
conflicts: number, 
/**
 * Card payments taken offline whose outcome the card provider gave at this sync.
 */
cards: number, 
/**
 * Card refunds whose outcome the card provider gave at this sync.
 */
refunds: number, 
/**
 * Seat allotments settled with the server at this sync (unsold seats returned at their
 * release, lost answers sent again, seats of earlier bookings claimed).
 */
allotments: number, };
