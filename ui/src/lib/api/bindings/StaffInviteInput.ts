// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { Role } from "./Role";

/**
 * Invite a person by email with a role.
 */
export type StaffInviteInput = { email: string, 
/**
 * `cashier`, `agent`, `manager` or `admin`.
 */
role: Role, 
/**
 * How the person is shown; they may change it when they accept.
 */
display_name?: string, 
/**
 * Also email the code to the person: the server sends it at this device's next sync
 * (the code never syncs; see README "Staff and sign-in").
 */
email_code?: boolean, };
