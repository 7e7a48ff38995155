// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A place stock is kept.
 */
export type LocationDto = { id: string, name: string, 
/**
 * The shop floor: sales take stock from here.
 */
is_main: boolean, };
