// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A manager's credentials typed in place to approve one action the signed-in person may not
 * do alone: their email, their password or their PIN, and a fresh authenticator code.
 */
export type OverrideCredentials = { email: string, 
/**
 * The approver's password; or give `pin`.
 */
password?: string, 
/**
 * The approver's quick-unlock PIN; or give `password`.
 */
pin?: string, 
/**
 * The current 6-digit code from the approver's authenticator app (always required).
 */
totp_code: string, };
