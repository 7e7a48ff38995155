// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { Role } from "./Role";
import type { StaffStatus } from "./StaffStatus";

/**
 * A staff member as Admin → Staff shows them. No hashes, no secrets.
 */
export type StaffDto = { id: string, email: string, display_name: string, 
/**
 * `cashier`, `agent`, `manager` or `admin`.
 */
role: Role, 
/**
 * `active` or `suspended`.
 */
status: StaffStatus, 
/**
 * RFC 3339 time until which the account is locked after failed attempts, if it is now.
 */
locked_until: string | null, 
/**
 * Failed attempts since the last success.
 */
failed_attempts: number, 
/**
 * An authenticator is enrolled (false while a new-authenticator code is pending).
 */
totp_enrolled: boolean, backup_codes_left: number, has_pin: boolean, 
/**
 * Must choose a new password at the next sign-in (after an admin reset).
 */
must_change_password: boolean, 
/**
 * Whether the signed-in person may change this member (role, suspension, reset...).
 */
manageable: boolean, 
/**
 * This is the signed-in person.
 */
is_me: boolean, };
