// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Redeem a code: an invitation with a new password, or a re-enrolment with the current one.
 */
export type StaffAcceptInput = { token: string, 
/**
 * For an invitation the new password; for a re-enrolment the current password.
 */
password: string, 
/**
 * For an invitation: how to be shown (default: what the admin typed, or the email's name).
 */
display_name?: string, };
