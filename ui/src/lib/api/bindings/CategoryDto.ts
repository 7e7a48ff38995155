// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A category with its path from the top, e.g. `Drinks > Coffee`.
 */
export type CategoryDto = { id: string, parent_id: string | null, name: string, path: string, };
