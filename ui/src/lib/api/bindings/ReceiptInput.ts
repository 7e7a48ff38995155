// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A receipt to render: a sale (`order_id`) or a refund (`refund_id`), as `html`, `pdf` or `escpos`.
 */
export type ReceiptInput = { order_id?: string, refund_id?: string, format: string, 
/**
 * ESC/POS only: open the cash drawer before printing.
 */
open_drawer?: boolean, };
