// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { TenderKind } from "./TenderKind";
import type { PaymentStatus } from "./PaymentStatus";

/**
 * A payment of an order.
 */
export type PaymentDto = { kind: TenderKind, tendered_minor: number, amount_minor: number, 
/**
 * `captured`, `offline_pending` (card waiting for the provider) or `declined`.
 */
status: PaymentStatus, card_brand: string | null, card_last4: string | null, refunded_minor: number, };
