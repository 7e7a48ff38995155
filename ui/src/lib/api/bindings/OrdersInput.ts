// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Which recent orders to list.
 */
export type OrdersInput = { customer_id?: string, limit?: number, };
