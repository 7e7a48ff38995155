// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { Role } from "./Role";

/**
 * An invitation (or new-authenticator code) not yet accepted or withdrawn. Never the code.
 */
export type InvitationDto = { id: string, 
/**
 * `invite` (a new account) or `reenrol` (a new authenticator for an existing one).
 */
kind: string, email: string, display_name: string | null, role: Role, 
/**
 * `pending`, `expired`, `accepted` or `revoked`.
 */
state: string, 
/**
 * RFC 3339.
 */
expires_at: string, created_at: string, manageable: boolean, };
