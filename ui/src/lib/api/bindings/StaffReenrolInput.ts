// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A new authenticator for a staff member, its code optionally emailed to them.
 */
export type StaffReenrolInput = { staff_id: string, 
/**
 * Also email the code to the staff member's address.
 */
email_code?: boolean, };
