// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * The X report: a shift's figures so far.
 */
export type ShiftFiguresDto = { orders: number, sales_minor: number, refunds: number, refunds_minor: number, cash_sales_minor: number, card_sales_minor: number, voucher_sales_minor: number, cash_refunds_minor: number, cash_in_minor: number, cash_out_minor: number, 
/**
 * Cash taken for bookings less cash refunded on their cancellation.
 */
booking_cash_minor: number, float_minor: number, expected_cash_minor: number, 
/**
 * Times the drawer was opened outside a cash sale.
 */
drawer_opens: number, 
/**
 * Card payments the card provider declined after the sale: still owed by those sales.
 */
card_declined_minor: number, };
