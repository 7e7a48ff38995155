// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Email a receipt (queued; the server sends it).
 */
export type ReceiptEmailInput = { order_id: string, to: string, };
