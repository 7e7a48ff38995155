// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/** Money going back: paid out, or a card refund waiting for the provider, refunded by it, refused by it (pay back another way), or not charged (the card was declined). */
export type RefundTenderStatus = "paid_out" | "pending" | "refunded" | "failed" | "not_charged";

/** Every value of `RefundTenderStatus`, in the core's order. */
export const REFUND_TENDER_STATUSES: readonly RefundTenderStatus[] = [
  "paid_out",
  "pending",
  "refunded",
  "failed",
  "not_charged",
];
