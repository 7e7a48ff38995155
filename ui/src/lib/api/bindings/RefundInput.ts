// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { OverrideCredentials } from "./OverrideCredentials";
import type { RefundLineInput } from "./RefundLineInput";

/**
 * Refund (part of) a sale.
 */
export type RefundInput = { 
/**
 * The receipt number, as typed or scanned; or give `order_id`.
 */
number?: string, order_id?: string, 
/**
 * Empty or absent: everything not yet returned.
 */
lines?: Array<RefundLineInput>, reason?: string, 
/**
 * A manager's approval, when the refund is above the cashier's limit.
 */
approval?: OverrideCredentials, idempotency_key?: string, };
