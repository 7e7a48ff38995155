// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Tax at one rate.
 */
export type TaxLineDto = { rate_bp: number, net_minor: number, tax_minor: number, gross_minor: number, };
