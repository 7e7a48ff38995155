// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { Role } from "./Role";
import type { UserDto } from "./UserDto";

/**
 * An open session.
 */
export type SessionDto = { session_id: string, user: UserDto, 
/**
 * Also under its contract name for the CLI: the role.
 */
role: Role, 
/**
 * Backup codes still unused, when the sign-in used one.
 */
backup_codes_left: number | null, 
/**
 * The session is locked (idle or on request): its work is kept, the PIN unlocks it.
 */
locked: boolean, 
/**
 * An admin reset the password: the person must choose a new one before anything else.
 */
must_change_password: boolean, 
/**
 * The person has a quick-unlock PIN.
 */
has_pin: boolean, };
