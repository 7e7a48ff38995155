// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { CustomerDto } from "./CustomerDto";

/**
 * Customers found.
 */
export type CustomerListOutput = { items: Array<CustomerDto>, 
/**
 * All customers of the store.
 */
total: number, };
