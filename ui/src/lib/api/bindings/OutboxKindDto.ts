// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * What a waiting change is about, as the outbox screen groups it.
 */
export type OutboxKindDto = "sales" | "refunds" | "cash" | "stock" | "catalog" | "customers" | "vouchers" | "bookings" | "staff" | "settings" | "emails" | "conflicts" | "audit" | "other";
