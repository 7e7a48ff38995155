// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { TenderInput } from "./TenderInput";

/**
 * Pay for the open cart.
 */
export type CheckoutInput = { tenders: Array<TenderInput>, 
/**
 * Made once per sale by the client; repeating it returns the first order.
 */
idempotency_key?: string, };
