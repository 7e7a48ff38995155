// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/** Whether a staff member may sign in. */
export type StaffStatus = "active" | "suspended";

/** Every value of `StaffStatus`, in the core's order. */
export const STAFF_STATUSES: readonly StaffStatus[] = [
  "active",
  "suspended",
];
