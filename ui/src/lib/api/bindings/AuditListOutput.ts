// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { AuditEntryDto } from "./AuditEntryDto";
import type { AuditVerifyOutput } from "./AuditVerifyOutput";

/**
 * The audit screen: entries and the chain's state.
 */
export type AuditListOutput = { entries: Array<AuditEntryDto>, chain: AuditVerifyOutput, };
