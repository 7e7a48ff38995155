// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A new code for an open invitation, optionally emailed to the person.
 */
export type InvitationResendInput = { invitation_id: string, 
/**
 * Also email the new code to the person.
 */
email_code?: boolean, };
