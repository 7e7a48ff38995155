// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Attach a customer to the cart, or detach with none.
 */
export type CartCustomerInput = { customer_id?: string, };
