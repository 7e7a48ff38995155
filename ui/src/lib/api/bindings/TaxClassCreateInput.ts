// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A new tax class.
 */
export type TaxClassCreateInput = { name: string, 
/**
 * 1900 = 19 %.
 */
rate_bp: number, 
/**
 * True: shelf prices include it.
 */
inclusive: boolean, };
