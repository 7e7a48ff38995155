// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * One person's statement: `staff` by id or email, business dates `from` to `to` (both
 * included). Without `staff`, the person signed in.
 */
export type CommissionStatementInput = { staff?: string, from: string, to: string, };
