//! DTOs of selling: the cart, checkout, orders, refunds, receipts, shifts and Z reports.
//! Money fields are integer minor units and end in `_minor`.

use super::identity::OverrideCredentials;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A discount as entered: a percentage in basis points (1000 = 10 %) or an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DiscountDto {
    None,
    Percent { basis_points: u32 },
    Amount { amount_minor: i64 },
}

/// A cart line as the Sell screen shows it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CartLineDto {
    pub id: String,
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    /// The price kept from when the item was added.
    pub unit_price_minor: i64,
    pub tax_rate_bp: u32,
    pub price_includes_tax: bool,
    pub discount: DiscountDto,
    pub discount_minor: i64,
    pub total_minor: i64,
    /// The catalog's price now, when it differs from the kept price: the line is flagged.
    pub current_price_minor: Option<i64>,
}

/// Tax at one rate.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TaxLineDto {
    pub rate_bp: u32,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub gross_minor: i64,
}

/// The open cart, priced.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CartDto {
    pub id: String,
    pub lines: Vec<CartLineDto>,
    pub customer_id: Option<String>,
    pub customer_name: Option<String>,
    pub order_discount: DiscountDto,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub taxes: Vec<TaxLineDto>,
    /// What cash would have to cover after rounding (e.g. to 0.05 CHF).
    pub cash_total_minor: i64,
    /// Carts parked on this device.
    pub parked: u32,
}

/// Add an item by barcode or SKU (`code`) or by `product_id`.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct CartAddInput {
    pub code: Option<String>,
    pub product_id: Option<String>,
    /// Default 1.
    pub quantity: Option<i64>,
}

/// Change a line's quantity.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CartQuantityInput {
    pub line_id: String,
    pub quantity: i64,
}

/// A line of the cart.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CartLineRef {
    pub line_id: String,
}

/// A discount on a line (`line_id`) or on the whole order (no `line_id`).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct CartDiscountInput {
    pub line_id: Option<String>,
    pub discount: DiscountDto,
    /// A manager's approval, when the discount is above the cashier's limit.
    pub approval: Option<OverrideCredentials>,
}

/// Attach a customer to the cart, or detach with none.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct CartCustomerInput {
    pub customer_id: Option<String>,
}

/// Park the open cart under a name.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct CartParkInput {
    pub name: Option<String>,
}

/// A parked cart.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ParkedCartDto {
    pub id: String,
    pub name: Option<String>,
    pub staff_name: String,
    pub lines: i64,
    pub updated_at: String,
}

/// The parked carts of this device.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ParkedCartsDto {
    pub carts: Vec<ParkedCartDto>,
}

/// A parked cart to resume.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CartRef {
    pub cart_id: String,
}

/// One tender at checkout.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct TenderInput {
    /// `cash`, `card` or `voucher`.
    pub kind: String,
    /// Cash: what the customer hands over. Card and voucher: what to charge.
    pub amount_minor: i64,
    /// Card: the brand as the terminal shows it (e.g. VISA). Never the card number.
    pub card_brand: Option<String>,
    /// Card: the last four digits as the terminal shows them.
    pub card_last4: Option<String>,
    /// Card while offline: email or phone to reach the customer if the payment is declined later.
    pub customer_contact: Option<String>,
    /// Card: the terminal's token for it (the provider's PaymentMethod id, `pm_...`), never
    /// the card number; forwarded to the provider through the server.
    pub card_token: Option<String>,
    /// Voucher: its code.
    pub voucher_code: Option<String>,
}

/// Pay for the open cart.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct CheckoutInput {
    pub tenders: Vec<TenderInput>,
    /// Made once per sale by the client; repeating it returns the first order.
    pub idempotency_key: Option<String>,
}

/// A line to sell without a cart: barcode or SKU and quantity.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SellLineInput {
    pub code: String,
    pub quantity: i64,
}

/// Sell in one step (scripts, the CLI): lines and tenders.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct SellInput {
    pub lines: Vec<SellLineInput>,
    pub tenders: Vec<TenderInput>,
    pub customer_id: Option<String>,
    pub idempotency_key: Option<String>,
}

/// What a sale produced.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CheckoutOutput {
    pub order_id: String,
    /// The receipt number, e.g. `CORN-01-000042`.
    pub number: String,
    pub total_minor: i64,
    /// Cash rounding added (negative when rounded down).
    pub rounding_minor: i64,
    pub change_minor: i64,
    /// `paid`.
    #[ts(type = "OrderStatus")]
    pub status: String,
    /// True when this repeated an earlier request with the same key: nothing new was written.
    pub replayed: bool,
    /// A card was taken while the provider could not be reached: it waits for confirmation.
    pub card_pending: bool,
}

/// An order by id or by receipt number.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct OrderRef {
    pub order_id: Option<String>,
    pub number: Option<String>,
}

/// A sold line, with what was returned of it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OrderLineDto {
    pub id: String,
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub quantity: i64,
    pub returned: i64,
    pub unit_price_minor: i64,
    pub tax_rate_bp: u32,
    pub discount_minor: i64,
    pub total_minor: i64,
    pub price_changed: bool,
}

/// A payment of an order.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PaymentDto {
    #[ts(type = "TenderKind")]
    pub kind: String,
    pub tendered_minor: i64,
    pub amount_minor: i64,
    /// `captured`, `offline_pending` (card waiting for the provider) or `declined`.
    #[ts(type = "PaymentStatus")]
    pub status: String,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub refunded_minor: i64,
}

/// A step of the order's history.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OrderEventDto {
    pub event: String,
    pub from_status: String,
    pub to_status: String,
    pub actor_name: Option<String>,
    pub approver_name: Option<String>,
    pub reason: Option<String>,
    pub at: String,
}

/// An order with everything that belongs to it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OrderDto {
    pub id: String,
    pub number: String,
    #[ts(type = "OrderStatus")]
    pub status: String,
    pub customer_id: Option<String>,
    pub staff_name: Option<String>,
    pub currency: String,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub rounding_minor: i64,
    pub change_minor: i64,
    pub refunded_minor: i64,
    /// Still owed because the card provider declined a card after the sale (0: none).
    pub balance_owed_minor: i64,
    pub created_at: String,
    pub lines: Vec<OrderLineDto>,
    pub taxes: Vec<TaxLineDto>,
    pub payments: Vec<PaymentDto>,
    pub events: Vec<OrderEventDto>,
}

/// Which recent orders to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct OrdersInput {
    pub customer_id: Option<String>,
    pub limit: Option<u32>,
}

/// An order in a list.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OrderSummaryDto {
    pub id: String,
    pub number: String,
    #[ts(type = "OrderStatus")]
    pub status: String,
    pub total_minor: i64,
    pub created_at: String,
}

/// Recent orders.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OrdersDto {
    pub orders: Vec<OrderSummaryDto>,
}

/// A line to take back.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct RefundLineInput {
    /// The order line; or give `sku`.
    pub order_line_id: Option<String>,
    pub sku: Option<String>,
    pub quantity: i64,
    /// False: damaged, written off instead of going back on the shelf (default true).
    pub restock: Option<bool>,
}

/// Refund (part of) a sale.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct RefundInput {
    /// The receipt number, as typed or scanned; or give `order_id`.
    pub number: Option<String>,
    pub order_id: Option<String>,
    /// Empty or absent: everything not yet returned.
    pub lines: Option<Vec<RefundLineInput>>,
    pub reason: Option<String>,
    /// A manager's approval, when the refund is above the cashier's limit.
    pub approval: Option<OverrideCredentials>,
    pub idempotency_key: Option<String>,
}

/// Cancel a whole sale that has not been handed over or refunded.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct VoidInput {
    pub order_id: String,
    pub reason: String,
    pub approval: Option<OverrideCredentials>,
}

/// Money going back on one tender.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct RefundTenderDto {
    #[ts(type = "TenderKind")]
    pub kind: String,
    pub amount_minor: i64,
    /// `paid_out`, or for a card `pending` (waiting for the provider), `refunded`, `failed`
    /// (the provider refused: pay back another way) or `not_charged` (the card was declined).
    #[ts(type = "RefundTenderStatus")]
    pub status: String,
}

/// What a refund did.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct RefundOutput {
    pub refund_id: String,
    pub number: String,
    pub amount_minor: i64,
    pub rounding_minor: i64,
    /// The order's status now.
    #[ts(type = "OrderStatus")]
    pub status: String,
    pub tenders: Vec<RefundTenderDto>,
    pub replayed: bool,
}

/// A receipt to render: a sale (`order_id`) or a refund (`refund_id`), as `html`, `pdf` or `escpos`.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct ReceiptInput {
    pub order_id: Option<String>,
    pub refund_id: Option<String>,
    pub format: String,
    /// ESC/POS only: open the cash drawer before printing.
    pub open_drawer: Option<bool>,
}

/// A rendered receipt: HTML as text, PDF and ESC/POS as base64.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ReceiptOutput {
    pub format: String,
    pub html: Option<String>,
    pub base64: Option<String>,
    pub number: String,
}

/// Email a receipt (queued; the server sends it).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ReceiptEmailInput {
    pub order_id: String,
    pub to: String,
}

/// The sale whose receipt emails to list.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ReceiptEmailsInput {
    pub order_id: String,
}

/// A note or coin and how many.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CountDto {
    pub denomination_minor: i64,
    pub count: i64,
}

/// Open a shift: count the float.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ShiftOpenInput {
    pub counts: Vec<CountDto>,
}

/// Cash in or out of the drawer.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ShiftCashInput {
    /// `in` or `out`.
    pub kind: String,
    pub amount_minor: i64,
    pub reason: String,
}

/// Close the shift with a count.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct ShiftCloseInput {
    pub counts: Vec<CountDto>,
    pub note: Option<String>,
}

/// The X report: a shift's figures so far.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ShiftFiguresDto {
    pub orders: i64,
    pub sales_minor: i64,
    pub refunds: i64,
    pub refunds_minor: i64,
    pub cash_sales_minor: i64,
    pub card_sales_minor: i64,
    pub voucher_sales_minor: i64,
    pub cash_refunds_minor: i64,
    pub cash_in_minor: i64,
    pub cash_out_minor: i64,
    /// Cash taken for bookings less cash refunded on their cancellation.
    pub booking_cash_minor: i64,
    pub float_minor: i64,
    pub expected_cash_minor: i64,
    /// Times the drawer was opened outside a cash sale.
    pub drawer_opens: i64,
    /// Card payments the card provider declined after the sale: still owed by those sales.
    pub card_declined_minor: i64,
}

/// A shift.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ShiftDto {
    pub id: String,
    pub number: i64,
    /// `open` or `closed`.
    #[ts(type = "ShiftStatus")]
    pub status: String,
    pub opened_by_name: Option<String>,
    pub opened_at: String,
    pub closed_at: Option<String>,
    pub expected_minor: Option<i64>,
    pub counted_minor: Option<i64>,
    /// Counted minus expected: positive over, negative short.
    pub over_short_minor: Option<i64>,
}

/// The till's shift now, with its X report, and the notes and coins to count.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ShiftStatusDto {
    pub shift: Option<ShiftDto>,
    pub figures: Option<ShiftFiguresDto>,
    /// Largest first, in minor units.
    pub denominations: Vec<i64>,
    pub recent: Vec<ShiftDto>,
}

/// A Z report to show: a business date's figures (`date`), or a closed report (`number`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct ZReportInput {
    /// YYYY-MM-DD; default today.
    pub date: Option<String>,
    pub number: Option<i64>,
}

/// A Z report's figures.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ZReportDto {
    /// The closed report's number; absent for a day's running figures.
    pub number: Option<i64>,
    pub business_date: String,
    pub closed: bool,
    /// For a closed report: its stored figures still match their hash.
    pub intact: bool,
    pub closed_at: Option<String>,
    pub orders: i64,
    pub gross_minor: i64,
    pub discount_minor: i64,
    pub tax_minor: i64,
    pub rounding_minor: i64,
    pub refunds: i64,
    pub refunds_minor: i64,
    pub voids: i64,
    /// Times the drawer was opened outside a cash sale.
    pub drawer_opens: i64,
    /// Card payments the card provider declined after the sale: still owed by those sales.
    pub card_declined_minor: i64,
    pub net_sales_minor: i64,
    /// Sales by tender: `cash`, `card`, `voucher`.
    pub by_tender: std::collections::BTreeMap<String, i64>,
    pub refunds_by_tender: std::collections::BTreeMap<String, i64>,
    pub by_tax: Vec<TaxLineDto>,
    /// Money taken for bookings by tender (not sales), and refunded on cancellation.
    pub bookings_by_tender: std::collections::BTreeMap<String, i64>,
    pub booking_refunds_by_tender: std::collections::BTreeMap<String, i64>,
}

/// Closed Z reports of this device.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ZListDto {
    pub reports: Vec<ZReportDto>,
}

/// Issue a voucher (store credit).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct VoucherIssueInput {
    pub amount_minor: i64,
    pub customer_id: Option<String>,
    pub approval: Option<OverrideCredentials>,
}

/// A voucher by code.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct VoucherRef {
    pub code: String,
}

/// A voucher and its balance.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct VoucherDto {
    pub code: String,
    pub balance_minor: i64,
    pub customer_id: Option<String>,
}

/// An offline card payment still waiting for the provider.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PendingCardDto {
    /// The card payment.
    pub payment_id: String,
    /// The sale's order, or the booking the card was taken for.
    pub order_id: String,
    /// The sale's receipt number, or the booking's reference.
    pub number: String,
    pub amount_minor: i64,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub customer_contact: Option<String>,
    pub taken_at: String,
    pub age_hours: i64,
    /// Older than the store's maximum age: no more card payments are taken offline.
    pub overdue: bool,
    /// At least `payments.card_alarm_hours` old: shown as an alarm.
    pub alarm: bool,
    /// Why the last forward to the card provider did not end in an outcome.
    pub forward_error: Option<String>,
}

/// Offline card payments waiting for the provider, and the limits they count against.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PendingCardsDto {
    pub payments: Vec<PendingCardDto>,
    pub exposure_minor: i64,
    pub exposure_limit_minor: i64,
    pub per_payment_limit_minor: i64,
    pub max_age_hours: i64,
    /// The store's `payments.card_alarm_hours`.
    pub alarm_hours: i64,
    /// How many payments are past the alarm age.
    pub alarms: u32,
}

/// What the server found about the store's card payments, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CardFindingsDto {
    pub findings: Vec<CardFindingDto>,
    /// Set when the server could not be reached: the list is as this device heard it then.
    pub heard_at: Option<String>,
}

/// One finding: a fix reconciliation with the card provider made, or a payment kept for a
/// manager's review.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CardFindingDto {
    pub at: String,
    /// `recorded`, `status_reconciled`, `amount_differs` or `offline_limits_broken`.
    pub finding: String,
    pub order_id: String,
    /// The sale's receipt number, when this device holds the sale.
    pub number: Option<String>,
    pub payment_id: String,
    pub intent_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    /// The payment's status after the finding.
    pub status: String,
    /// What a manager must look at, if anything.
    pub review: Option<String>,
}

/// The favourites grid: a category, or the till's best sellers.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct FavouritesInput {
    pub category_id: Option<String>,
}

/// A product tile.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct FavouriteDto {
    pub product_id: String,
    pub name: String,
    pub price_minor: i64,
}

/// A category tab.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CategoryTabDto {
    pub id: String,
    pub name: String,
}

/// The favourites grid with its category tabs.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct FavouritesDto {
    pub categories: Vec<CategoryTabDto>,
    pub items: Vec<FavouriteDto>,
}

/// Print a sale's or refund's receipt on the store's receipt printer.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct ReceiptPrintInput {
    pub order_id: Option<String>,
    pub refund_id: Option<String>,
    /// Open the cash drawer as well.
    pub open_drawer: Option<bool>,
}

/// Open the cash drawer with no sale, saying why.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DrawerOpenInput {
    pub reason: String,
}
