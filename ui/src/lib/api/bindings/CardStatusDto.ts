// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Card payments of one status.
 */
export type CardStatusDto = { 
/**
 * captured, offline_pending or declined.
 */
status: string, payments: number, amount_minor: number, };
