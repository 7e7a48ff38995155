// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * An email the server sends for this store (a receipt, a confirmation, an invitation) and
 * where it stands, as this device last heard at a sync.
 */
export type EmailStatusDto = { id: string, 
/**
 * `receipt`, `booking_confirmation`, ...
 */
kind: string, to: string, subject: string, 
/**
 * `queued`, `sending`, `sent` or `failed`.
 */
status: string, 
/**
 * The server holds it (else it waits on this device for the next sync).
 */
on_server: boolean, 
/**
 * The server's attempts so far.
 */
attempts: number, 
/**
 * Why the last attempt failed; for a failed email, why the server gave up.
 */
last_error: string | null, queued_at: string, sent_at: string | null, 
/**
 * The order or booking it belongs to.
 */
ref_id: string | null, };
