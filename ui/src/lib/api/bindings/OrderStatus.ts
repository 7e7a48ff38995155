// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/** Where an order stands (kassa_domain::selling::order::OrderStatus). */
export type OrderStatus = "draft" | "paid" | "fulfilled" | "partially_refunded" | "refunded" | "voided";

/** Every value of `OrderStatus`, in the core's order. */
export const ORDER_STATUSES: readonly OrderStatus[] = [
  "draft",
  "paid",
  "fulfilled",
  "partially_refunded",
  "refunded",
  "voided",
];
