// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A rendered receipt: HTML as text, PDF and ESC/POS as base64.
 */
export type ReceiptOutput = { format: string, html: string | null, base64: string | null, number: string, };
