// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * One entry of the commission ledger.
 */
export type CommissionEntryDto = { id: string, business_date: string, created_at: string, 
/**
 * `booking` or `sale`.
 */
source_kind: string, source_id: string, 
/**
 * The booking's reference or the sale's receipt number.
 */
source_ref: string, 
/**
 * `payment` (earned) or `refund` (reversed).
 */
cause_kind: string, 
/**
 * The payment's receipt number, the sale's, or the refund's.
 */
cause_ref: string, 
/**
 * The money it was counted on (negative when given back).
 */
base_minor: number, rate_bp: number, 
/**
 * Negative for a reversal.
 */
amount_minor: number, };
