// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Erase a customer's data on their request.
 */
export type CustomerEraseInput = { id: string, 
/**
 * Why (e.g. "request by email of 3 May"); kept in the audit trail.
 */
reason?: string, };
