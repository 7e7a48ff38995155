// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A rate in force.
 */
export type CommissionRateDto = { 
/**
 * `store`, `trip`, `agent`, `seller` or `category`.
 */
kind: string, 
/**
 * The trip's, person's or category's id; the store's id for the default.
 */
subject_id: string, name: string, rate_bp: number, };
