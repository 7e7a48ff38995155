// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A staff report to make: business dates `from` to `to`.
 */
export type StaffReportInput = { from: string, to: string, };
