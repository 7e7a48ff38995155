// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Sign-in with a password and a second factor.
 */
export type LoginInput = { email: string, password: string, 
/**
 * The 6-digit authenticator code; or give `backup_code`.
 */
totp_code?: string, 
/**
 * One of the printed backup codes, when the authenticator is not at hand.
 */
backup_code?: string, };
