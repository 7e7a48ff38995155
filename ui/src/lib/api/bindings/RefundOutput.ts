// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { OrderStatus } from "./OrderStatus";
import type { RefundTenderDto } from "./RefundTenderDto";

/**
 * What a refund did.
 */
export type RefundOutput = { refund_id: string, number: string, amount_minor: number, rounding_minor: number, 
/**
 * The order's status now.
 */
status: OrderStatus, tenders: Array<RefundTenderDto>, replayed: boolean, };
