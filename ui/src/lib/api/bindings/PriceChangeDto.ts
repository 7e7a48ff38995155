// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A price the product had.
 */
export type PriceChangeDto = { price_minor: number, cost_minor: number | null, changed_by: string | null, changed_at: string, };
