// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { Role } from "./Role";

/**
 * What a valid code is for, before the person redeems it.
 */
export type InvitationCheckOutput = { 
/**
 * `invite`: choose a password; `reenrol`: confirm with the current password.
 */
kind: string, email: string, display_name: string | null, role: Role, store_name: string, expires_at: string, };
