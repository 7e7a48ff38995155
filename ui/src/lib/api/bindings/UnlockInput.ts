// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Unlock the locked session: the PIN, or the password with a second factor.
 */
export type UnlockInput = { pin?: string, password?: string, totp_code?: string, backup_code?: string, };
