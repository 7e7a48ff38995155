// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Set one's own quick-unlock PIN.
 */
export type SetPinInput = { current_password: string, 
/**
 * 4 to 8 digits.
 */
pin: string, };
