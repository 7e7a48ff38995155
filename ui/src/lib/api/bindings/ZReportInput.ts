// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A Z report to show: a business date's figures (`date`), or a closed report (`number`).
 */
export type ZReportInput = { 
/**
 * YYYY-MM-DD; default today.
 */
date?: string, number?: number, };
