// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/** A cash drawer shift. */
export type ShiftStatus = "open" | "closed";

/** Every value of `ShiftStatus`, in the core's order. */
export const SHIFT_STATUSES: readonly ShiftStatus[] = [
  "open",
  "closed",
];
