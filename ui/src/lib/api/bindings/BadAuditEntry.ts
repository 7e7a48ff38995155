// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * The first broken place in the audit trail.
 */
export type BadAuditEntry = { id: string, device_id: string, device_seq: number, 
/**
 * `altered`, `unlinked`, `missing`, `tail_missing` or `differs_from_server`.
 */
reason: string, description: string, };
