// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/** Why stock moved (kassa_domain::stock::MovementKind). */
export type MovementKind = "receipt" | "sale" | "return" | "adjustment" | "count" | "transfer_out" | "transfer_in" | "reservation" | "release";

/** Every value of `MovementKind`, in the core's order. */
export const MOVEMENT_KINDS: readonly MovementKind[] = [
  "receipt",
  "sale",
  "return",
  "adjustment",
  "count",
  "transfer_out",
  "transfer_in",
  "reservation",
  "release",
];
