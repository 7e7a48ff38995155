// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { OverrideCredentials } from "./OverrideCredentials";

/**
 * Lift a lockout, by id (Admin → Staff) or by email (a colleague at the counter). Someone
 * whose role does not allow it adds a manager's approval.
 */
export type StaffUnlockInput = { staff_id?: string, email?: string, 
/**
 * A manager's credentials, when the signed-in person may not unlock alone (or nobody is
 * signed in: at the sign-in screen the manager unlocks a colleague in place).
 */
approval?: OverrideCredentials, };
