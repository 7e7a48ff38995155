// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A voucher and its balance.
 */
export type VoucherDto = { code: string, balance_minor: number, customer_id: string | null, };
