// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Open the cash drawer with no sale, saying why.
 */
export type DrawerOpenInput = { reason: string, };
