// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Print a sale's or refund's receipt on the store's receipt printer.
 */
export type ReceiptPrintInput = { order_id?: string, refund_id?: string, 
/**
 * Open the cash drawer as well.
 */
open_drawer?: boolean, };
