// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * An address of a customer.
 */
export type AddressDto = { 
/**
 * `billing` or `shipping`.
 */
kind: string, 
/**
 * Street and number.
 */
line1: string, line2: string, postal_code: string, city: string, country: string, 
/**
 * One address is the primary one; the first is, when none is marked.
 */
is_primary: boolean, };
