// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/** Something a person may or may not do (kassa_domain::role::Permission). */
export type Permission = "sell" | "refund" | "refund_above_limit" | "void" | "discount_above_limit" | "open_close_drawer" | "manage_customers" | "edit_catalog" | "edit_prices" | "view_cost_prices" | "adjust_stock" | "book" | "cancel_booking" | "view_reports" | "manage_staff" | "manage_devices" | "settings" | "view_audit" | "customer_data" | "resolve_conflicts";

/** Every value of `Permission`, in the core's order. */
export const PERMISSIONS: readonly Permission[] = [
  "sell",
  "refund",
  "refund_above_limit",
  "void",
  "discount_above_limit",
  "open_close_drawer",
  "manage_customers",
  "edit_catalog",
  "edit_prices",
  "view_cost_prices",
  "adjust_stock",
  "book",
  "cancel_booking",
  "view_reports",
  "manage_staff",
  "manage_devices",
  "settings",
  "view_audit",
  "customer_data",
  "resolve_conflicts",
];
