// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/** A payment: taken, a card waiting for the provider, or declined. */
export type PaymentStatus = "captured" | "offline_pending" | "declined";

/** Every value of `PaymentStatus`, in the core's order. */
export const PAYMENT_STATUSES: readonly PaymentStatus[] = [
  "captured",
  "offline_pending",
  "declined",
];
