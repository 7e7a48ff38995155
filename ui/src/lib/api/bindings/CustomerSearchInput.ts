// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Which customers to list.
 */
export type CustomerSearchInput = { 
/**
 * Prefixes of name, email, phone or tags (accents ignored); empty: all by name.
 */
query?: string, 
/**
 * Default 50, at most 500.
 */
limit?: number, offset?: number, };
