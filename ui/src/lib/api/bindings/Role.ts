// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { Permission } from "./Permission";

/** A staff member's role, lowest to highest (kassa_domain::role::Role). */
export type Role = "cashier" | "agent" | "manager" | "admin";

/** Every value of `Role`, in the core's order. */
export const ROLES: readonly Role[] = [
  "cashier",
  "agent",
  "manager",
  "admin",
];

/** What each role may do: the core's permission table (kassa_domain::role::allows). */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  cashier: ["sell", "refund", "open_close_drawer", "manage_customers"],
  agent: ["sell", "refund", "manage_customers", "book", "cancel_booking"],
  manager: ["sell", "refund", "refund_above_limit", "void", "discount_above_limit", "open_close_drawer", "manage_customers", "edit_catalog", "edit_prices", "view_cost_prices", "adjust_stock", "book", "cancel_booking", "view_reports", "manage_staff", "settings", "view_audit", "customer_data", "resolve_conflicts"],
  admin: ["sell", "refund", "refund_above_limit", "void", "discount_above_limit", "open_close_drawer", "manage_customers", "edit_catalog", "edit_prices", "view_cost_prices", "adjust_stock", "book", "cancel_booking", "view_reports", "manage_staff", "manage_devices", "settings", "view_audit", "customer_data", "resolve_conflicts"],
};
