// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { Permission } from "./Permission";
import type { Role } from "./Role";

/**
 * The person signed in.
 */
export type UserDto = { id: string, email: string, display_name: string, 
/**
 * `cashier`, `agent`, `manager` or `admin`.
 */
role: Role, 
/**
 * Permissions of the role, by name; the UI shows only what they allow.
 */
permissions: Array<Permission>, };
