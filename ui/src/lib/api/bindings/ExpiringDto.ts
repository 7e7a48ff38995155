// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A batch expired or expiring soon, with stock left.
 */
export type ExpiringDto = { product_id: string, sku: string, name: string, batch_code: string, expires_on: string, expired: boolean, on_hand: number, };
