// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { BadAuditEntry } from "./BadAuditEntry";

/**
 * The audit trail's verification.
 */
export type AuditVerifyOutput = { ok: boolean, entries: number, first_bad: BadAuditEntry | null, };
