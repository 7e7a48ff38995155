// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A posted count's line.
 */
export type CountLineDto = { product_id: string, sku: string, name: string, expected: number, counted: number, difference: number, };
