// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { OrderStatus } from "./OrderStatus";

/**
 * What a sale produced.
 */
export type CheckoutOutput = { order_id: string, 
/**
 * The receipt number, e.g. `CORN-01-000042`.
 */
number: string, total_minor: number, 
/**
 * Cash rounding added (negative when rounded down).
 */
rounding_minor: number, change_minor: number, 
/**
 * `paid`.
 */
status: OrderStatus, 
/**
 * True when this repeated an earlier request with the same key: nothing new was written.
 */
replayed: boolean, 
/**
 * A card was taken while the provider could not be reached: it waits for confirmation.
 */
card_pending: boolean, };
