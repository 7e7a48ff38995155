// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Which departures to list.
 */
export type DepartureListInput = { 
/**
 * A trip's id or code.
 */
trip?: string, 
/**
 * RFC 3339; default now.
 */
from?: string, 
/**
 * RFC 3339 (exclusive).
 */
to?: string, };
