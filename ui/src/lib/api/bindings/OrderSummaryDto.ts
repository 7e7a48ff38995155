// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { OrderStatus } from "./OrderStatus";

/**
 * An order in a list.
 */
export type OrderSummaryDto = { id: string, number: string, status: OrderStatus, total_minor: number, created_at: string, };
