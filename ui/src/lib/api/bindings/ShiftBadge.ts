// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * The open shift, as the top bar shows it.
 */
export type ShiftBadge = { number: number, opened_at: string, };
