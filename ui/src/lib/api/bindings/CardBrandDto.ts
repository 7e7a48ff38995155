// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Card payments of one brand (empty when not recorded).
 */
export type CardBrandDto = { brand: string, payments: number, amount_minor: number, captured_minor: number, pending_minor: number, declined_minor: number, };
