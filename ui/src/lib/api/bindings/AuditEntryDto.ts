// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * One audit entry as the audit screen shows it.
 */
export type AuditEntryDto = { id: string, device_id: string, device_seq: number, at_utc: string, clock_offset_ms: number, actor_id: string | null, actor_email: string | null, approver_id: string | null, approver_email: string | null, action: string, entity: string | null, entity_id: string | null, 
/**
 * JSON text of the record before the change.
 */
before: string | null, 
/**
 * JSON text of the record after the change.
 */
after: string | null, };
