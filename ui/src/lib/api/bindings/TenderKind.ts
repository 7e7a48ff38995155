// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/** A way to pay (kassa_domain::selling::tender::TenderKind). */
export type TenderKind = "cash" | "card" | "voucher";

/** Every value of `TenderKind`, in the core's order. */
export const TENDER_KINDS: readonly TenderKind[] = [
  "cash",
  "card",
  "voucher",
];
