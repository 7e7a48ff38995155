// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A tax class: a rate in basis points (1900 = 19 %) and whether prices include it.
 */
export type TaxClassDto = { id: string, name: string, rate_bp: number, 
/**
 * True: shelf prices include the tax; false: it is added at the till.
 */
inclusive: boolean, };
