// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * The confirmation's email, queued.
 */
export type BookingEmailOutput = { email_id: string, to: string, };
