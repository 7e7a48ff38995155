// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * One finding: a fix reconciliation with the card provider made, or a payment kept for a
 * manager's review.
 */
export type CardFindingDto = { at: string, 
/**
 * `recorded`, `status_reconciled`, `amount_differs` or `offline_limits_broken`.
 */
finding: string, order_id: string, 
/**
 * The sale's receipt number, when this device holds the sale.
 */
number: string | null, payment_id: string, intent_id: string | null, amount_minor: number, currency: string, 
/**
 * The payment's status after the finding.
 */
status: string, 
/**
 * What a manager must look at, if anything.
 */
review: string | null, };
