// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A discount as entered: a percentage in basis points (1000 = 10 %) or an amount.
 */
export type DiscountDto = { "kind": "none" } | { "kind": "percent", basis_points: number, } | { "kind": "amount", amount_minor: number, };
