// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Which audit entries to list.
 */
export type AuditListInput = { 
/**
 * Action prefix such as `auth.`.
 */
action_prefix?: string, actor_id?: string, 
/**
 * Entries where this staff member acted or approved.
 */
person_id?: string, entity?: string, entity_id?: string, 
/**
 * RFC 3339 lower bound.
 */
since?: string, 
/**
 * RFC 3339 upper bound (exclusive).
 */
until?: string, 
/**
 * At most this many (default 200, at most 5000).
 */
limit?: number, };
