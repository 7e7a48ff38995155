// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A bookings or card payments report to make: business dates `from` to `to` (YYYY-MM-DD,
 * both included).
 */
export type PeriodReportInput = { from: string, to: string, };
