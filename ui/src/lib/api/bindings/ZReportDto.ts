// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { TaxLineDto } from "./TaxLineDto";

/**
 * A Z report's figures.
 */
export type ZReportDto = { 
/**
 * The closed report's number; absent for a day's running figures.
 */
number: number | null, business_date: string, closed: boolean, 
/**
 * For a closed report: its stored figures still match their hash.
 */
intact: boolean, closed_at: string | null, orders: number, gross_minor: number, discount_minor: number, tax_minor: number, rounding_minor: number, refunds: number, refunds_minor: number, voids: number, 
/**
 * Times the drawer was opened outside a cash sale.
 */
drawer_opens: number, 
/**
 * Card payments the card provider declined after the sale: still owed by those sales.
 */
card_declined_minor: number, net_sales_minor: number, 
/**
 * Sales by tender: `cash`, `card`, `voucher`.
 */
by_tender: { [key in string]?: number }, refunds_by_tender: { [key in string]?: number }, by_tax: Array<TaxLineDto>, 
/**
 * Money taken for bookings by tender (not sales), and refunded on cancellation.
 */
bookings_by_tender: { [key in string]?: number }, booking_refunds_by_tender: { [key in string]?: number }, };
