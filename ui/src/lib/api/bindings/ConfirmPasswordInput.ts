// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Confirms a change to one's own credentials with the current password.
 */
export type ConfirmPasswordInput = { current_password: string, };
