// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { TenderKind } from "./TenderKind";
import type { RefundTenderStatus } from "./RefundTenderStatus";

/**
 * Money going back on one tender.
 */
export type RefundTenderDto = { kind: TenderKind, amount_minor: number, 
/**
 * `paid_out`, or for a card `pending` (waiting for the provider), `refunded`, `failed`
 * (the provider refused: pay back another way) or `not_charged` (the card was declined).
 */
status: RefundTenderStatus, };
