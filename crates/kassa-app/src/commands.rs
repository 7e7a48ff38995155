//! Every command of the app API, listed once.
//!
//! The list gives the desktop shell its single dispatcher (`dispatch`) and the
//! UI its `Commands` type map (see [`crate::bindings`]).

use crate::dto::*;
use crate::{Api, ApiError, ApiResult};
use kassa_domain::ErrorCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn decode<T: DeserializeOwned>(command: &str, input: Value) -> ApiResult<T> {
    let input = if input.is_null() {
        Value::Object(Default::default())
    } else {
        input
    };
    serde_json::from_value(input).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("the input of '{command}' is not valid: {e}"),
        )
    })
}

fn encode<T: Serialize>(out: T) -> ApiResult<Value> {
    serde_json::to_value(out).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("encoding the answer failed: {e}"),
        )
    })
}

macro_rules! commands {
    ($( $(#[doc = $doc:literal])* $name:ident ( $input:ty ) -> $output:ty; )*) => {
        /// Every command's name, input type and output type (TypeScript names).
        pub fn table() -> Vec<(&'static str, String, String, String)> {
            use ts_rs::TS;
            vec![$( (stringify!($name), <$input>::name(), <$output>::name(), concat!($($doc, "\n"),*).trim().to_string()) ),*]
        }

        /// Exports every command's input and output type, with their dependencies, into `dir`.
        pub fn export_types(dir: &std::path::Path) -> Result<(), ts_rs::ExportError> {
            use ts_rs::TS;
            $( <$input>::export_all_to(dir)?; <$output>::export_all_to(dir)?; )*
            ApiError::export_all_to(dir)?;
            Ok(())
        }

        /// Runs `command` with its JSON `input` and answers JSON; what the desktop shell calls.
        pub fn dispatch(api: &Api, command: &str, input: Value) -> ApiResult<Value> {
            match command {
                $( stringify!($name) => encode(api.$name(decode::<$input>(command, input)?)?), )*
                _ => Err(ApiError::new(ErrorCode::NotFound, format!("there is no command '{command}'"))),
            }
        }
    };
}

commands! {
    /// What the first screen needs: set up or not, store, device, session, sync.
    app_status(NoInput) -> AppStatus;
    /// First-run setup: the store, this device and the first admin.
    setup(SetupInput) -> SetupOutput;
    /// Sign in with password and TOTP code (or backup code); opens a session.
    login(LoginInput) -> SessionDto;
    /// Ends the session on this device.
    logout(NoInput) -> Ok;
    /// Where this device stands with the server.
    sync_status(NoInput) -> SyncStatusDto;
    /// Pairs this device with the server, with a one-time pairing code (admins).
    sync_pair(SyncPairInput) -> SyncPairOutput;
    /// Syncs with the paired server now; the outbox drains as the server acknowledges it.
    sync_now(NoInput) -> SyncReportDto;
    /// What has not reached the server yet, grouped by kind, with counts and times.
    outbox_summary(NoInput) -> OutboxSummaryDto;
    /// The store's devices, as the server lists them (admins).
    devices_list(NoInput) -> StoreDevicesOutput;
    /// The conflicts the merge found between devices' changes (managers and admins).
    conflicts_list(ConflictsInput) -> ConflictsOutput;
    /// Records a manager's decision on a conflict; it syncs and closes it on every device.
    conflict_resolve(ConflictResolveInput) -> ConflictDto;
    /// The emails the server sends for this store and where each stands (managers and admins).
    emails_list(EmailsListInput) -> EmailsOutput;
    /// Revokes a device of the store on the server (admins).
    device_revoke(DeviceRef) -> Ok;
    /// A one-time code (and its QR code) for another device to join this store (admins).
    device_pairing_code(NoInput) -> PairingCodeDto;
    /// Checks the audit trail's hash chains.
    audit_verify(NoInput) -> AuditVerifyOutput;
    /// Lists audit entries, newest first, with the chain's state.
    audit_list(AuditListInput) -> AuditListOutput;
    /// Every store setting with its value and bounds.
    settings_list(NoInput) -> SettingsOutput;
    /// Changes one store setting (audited).
    settings_set(SettingSetInput) -> SettingDto;
    /// The store's name and currency, and whether the currency is locked by sales.
    store_get(NoInput) -> StoreProfileDto;
    /// Changes the store's name or currency (audited; the currency is refused once anything was sold).
    store_update(StoreUpdateInput) -> StoreProfileDto;
    /// Locks the session now; the PIN (or password and code) unlocks it.
    session_lock(NoInput) -> Ok;
    /// Unlocks the locked session with the PIN, or the password and a second factor.
    session_unlock(UnlockInput) -> SessionDto;
    /// The person is using the app: pushes the idle lock back.
    session_activity(NoInput) -> Ok;
    /// Ends the session so someone else can sign in (works while locked).
    switch_user(NoInput) -> Ok;
    /// Everyone on the staff and the open invitations.
    staff_list(NoInput) -> StaffListOutput;
    /// Invites a person by email with a role; a one-time code is shown once.
    staff_invite(StaffInviteInput) -> InvitationIssued;
    /// A new code and expiry for an open invitation.
    staff_invite_resend(InvitationResendInput) -> InvitationIssued;
    /// Withdraws an open invitation.
    staff_invite_revoke(InvitationRef) -> InvitationDto;
    /// What a one-time code is for (no session needed).
    invitation_check(InvitationCodeInput) -> InvitationCheckOutput;
    /// Redeems a one-time code: password and authenticator for an invitation, or a new authenticator.
    staff_accept(StaffAcceptInput) -> Enrolment;
    /// Changes a staff member's role.
    staff_set_role(StaffRoleInput) -> StaffDto;
    /// Suspends or reactivates a staff member.
    staff_set_active(StaffActiveInput) -> StaffDto;
    /// Lifts a lockout, with a manager's approval when the role alone does not allow it.
    staff_unlock(StaffUnlockInput) -> StaffDto;
    /// Resets a password to a temporary one that must be changed at the next sign-in.
    staff_reset_password(StaffRef) -> TemporaryPassword;
    /// Gives someone who lost their authenticator a code to enrol a new one.
    staff_reenrol(StaffReenrolInput) -> InvitationIssued;
    /// Changes one's own password.
    account_change_password(ChangePasswordInput) -> Ok;
    /// Sets one's own quick-unlock PIN.
    account_set_pin(SetPinInput) -> Ok;
    /// Replaces one's own backup codes with ten new ones.
    account_backup_codes(ConfirmPasswordInput) -> BackupCodesOutput;
    /// Tax classes, categories and locations, for the catalog's pickers.
    catalog_meta(NoInput) -> CatalogMeta;
    /// Finds products as a person types (prefixes, accents ignored); an exact barcode or SKU first.
    product_search(ProductSearchInput) -> ProductListOutput;
    /// The product with exactly this barcode or SKU (a scan).
    product_lookup(ProductLookupInput) -> ProductDto;
    /// A product page: stock per location, variants, batches, prices, movements.
    product_get(ProductIdInput) -> ProductDetail;
    /// Adds a product or service, optionally with its first stock (audited).
    product_create(ProductCreateInput) -> ProductDto;
    /// Changes a product; price changes are kept in its price history (audited).
    product_update(ProductUpdateInput) -> ProductDto;
    /// Adds a category (audited).
    category_create(CategoryCreateInput) -> CategoryDto;
    /// Adds a tax class (audited).
    tax_class_create(TaxClassCreateInput) -> TaxClassDto;
    /// Checks a catalog CSV; imports it whole unless a dry run or any row is bad.
    catalog_import(CsvImportInput) -> ImportReportDto;
    /// The catalog as CSV.
    catalog_export(NoInput) -> CsvExportOutput;
    /// Goods received, optionally as a batch with an expiry date (audited).
    stock_receive(StockReceiveInput) -> StockChangeOutput;
    /// A stock correction with a reason (audited).
    stock_adjust(StockAdjustInput) -> StockChangeOutput;
    /// Moves stock between two locations (audited).
    stock_transfer(StockTransferInput) -> StockTransferOutput;
    /// Posts a stock count's differences as one count (audited).
    stock_count(StockCountInput) -> StockCountOutput;
    /// An item's stock movements, newest first.
    stock_movements(StockMovementsInput) -> StockMovementsOutput;
    /// Low stock and expiring batches.
    stock_alerts(NoInput) -> StockAlertsOutput;
    /// Stock on hand valued at cost.
    stock_valuation(NoInput) -> StockValuationOutput;
    /// An item's stock by barcode or SKU, over all locations or at one.
    stock_level(StockLevelInput) -> StockLevelOutput;
    /// Adds a stock location (audited).
    location_create(LocationCreateInput) -> LocationDto;
    /// Finds customers by name, email, phone or tag.
    customer_search(CustomerSearchInput) -> CustomerListOutput;
    /// One customer.
    customer_get(CustomerIdInput) -> CustomerDto;
    /// Adds a customer (audited).
    customer_create(CustomerFields) -> CustomerDto;
    /// Changes a customer (audited).
    customer_update(CustomerUpdateInput) -> CustomerDto;
    /// Merges a duplicate customer into another (audited).
    customer_merge(CustomerMergeInput) -> CustomerDto;
    /// Checks a customer CSV; imports it whole unless a dry run or any row is bad.
    customer_import(CsvImportInput) -> ImportReportDto;
    /// Every customer as CSV.
    customer_export(NoInput) -> CsvExportOutput;
    /// Everything held about one customer, as JSON or CSV (managers and admins).
    customer_data_export(CustomerDataExportInput) -> CustomerDataExportOutput;
    /// Erases a customer's personal data on their request; sales stay (managers and admins; audited).
    customer_erase(CustomerEraseInput) -> CustomerDto;
    /// The open cart of this till, priced; lines whose price changed since are flagged.
    cart_get(NoInput) -> CartDto;
    /// Adds an item by barcode/SKU or product id at its price now.
    cart_add(CartAddInput) -> CartDto;
    /// Changes a line's quantity.
    cart_set_quantity(CartQuantityInput) -> CartDto;
    /// Removes a line.
    cart_remove_line(CartLineRef) -> CartDto;
    /// A line or order discount; above the limit a manager approves in place.
    cart_discount(CartDiscountInput) -> CartDto;
    /// Attaches or detaches a customer.
    cart_set_customer(CartCustomerInput) -> CartDto;
    /// Takes the catalog's current price for a flagged line.
    cart_reprice(CartLineRef) -> CartDto;
    /// Parks the open cart and starts an empty one.
    cart_park(CartParkInput) -> CartDto;
    /// The parked carts of this till.
    cart_parked(NoInput) -> ParkedCartsDto;
    /// Resumes a parked cart.
    cart_resume(CartRef) -> CartDto;
    /// Empties the open cart.
    cart_clear(NoInput) -> CartDto;
    /// The favourites grid: best sellers, or a category's products.
    sell_favourites(FavouritesInput) -> FavouritesDto;
    /// Pays for the open cart in one transaction; the same key returns the first order.
    checkout(CheckoutInput) -> CheckoutOutput;
    /// Sells lines in one step without the till's cart.
    sell(SellInput) -> CheckoutOutput;
    /// An order with its lines, payments and history.
    order_get(OrderRef) -> OrderDto;
    /// Recent orders (a customer's purchases with customer_id).
    orders_recent(OrdersInput) -> OrdersDto;
    /// Refunds (part of) a sale to its original tenders.
    refund(RefundInput) -> RefundOutput;
    /// Voids a whole sale that was not handed over or refunded.
    void_order(VoidInput) -> RefundOutput;
    /// Marks a paid order as handed over.
    order_fulfil(OrderRef) -> OrderDto;
    /// Puts a past order's items into the open cart at today's prices.
    reorder(OrderRef) -> CartDto;
    /// A receipt as HTML, PDF or ESC/POS.
    receipt(ReceiptInput) -> ReceiptOutput;
    /// Sends a receipt to the till's receipt printer.
    receipt_print(ReceiptPrintInput) -> Ok;
    /// Opens the cash drawer with no sale ("no sale"), with a reason.
    drawer_open(DrawerOpenInput) -> Ok;
    /// Queues a receipt email; the server sends it.
    receipt_email(ReceiptEmailInput) -> Ok;
    /// The receipt emails of a sale and where each stands.
    receipt_emails(ReceiptEmailsInput) -> EmailListOutput;
    /// The till's shift with its X report and the denominations to count.
    shift_current(NoInput) -> ShiftStatusDto;
    /// Opens a shift with the counted float.
    shift_open(ShiftOpenInput) -> ShiftStatusDto;
    /// Cash in or out of the drawer with a reason.
    shift_cash(ShiftCashInput) -> ShiftStatusDto;
    /// Closes the shift with a count: expected, counted, over or short.
    shift_close(ShiftCloseInput) -> ShiftStatusDto;
    /// A day's figures, or a closed Z report by number.
    z_report(ZReportInput) -> ZReportDto;
    /// Closes the day: a numbered Z report that cannot change.
    z_close(NoInput) -> ZReportDto;
    /// The closed Z reports of this till.
    z_list(NoInput) -> ZListDto;
    /// A period's sales, store-wide, grouped by product, category, staff, tender, customer, device, hour, day, week or month.
    report_sales(SalesReportInput) -> SalesReportDto;
    /// Stock on hand and its value at cost per location, low stock and slow movers.
    report_stock(StockReportInput) -> StockReportDto;
    /// Each person's sales, refunds, voids, drawer openings, and every override with its approver.
    report_staff(StaffReportInput) -> StaffReportDto;
    /// A period's bookings: made by status, money taken, cancellations, balances due, seats per departure, per trip and person.
    report_bookings(PeriodReportInput) -> BookingsReportDto;
    /// A period's card payments by status and brand, the pending and declined ones, and the offline exposure.
    report_cards(PeriodReportInput) -> CardsReportDto;
    /// A sales, stock, staff, bookings, cards or commissions report as CSV or PDF.
    report_export(ReportExportInput) -> ReportFileDto;
    /// Commissions earned and reversed per person over a period.
    report_commissions(PeriodReportInput) -> CommissionsReportDto;
    /// Sets or clears a commission rate: a trip's, an agent's, a seller's, a category's or the store's default (audited).
    commission_rate_set(CommissionRateSetInput) -> CommissionRatesDto;
    /// Every commission rate in force.
    commission_rates(NoInput) -> CommissionRatesDto;
    /// One person's commission statement for a period: every entry earned and reversed, with the totals.
    commission_statement(CommissionStatementInput) -> CommissionStatementDto;
    /// A commission statement as CSV or PDF.
    commission_export(CommissionExportInput) -> ReportFileDto;
    /// Issues a voucher (store credit).
    voucher_issue(VoucherIssueInput) -> VoucherDto;
    /// A voucher's balance.
    voucher_get(VoucherRef) -> VoucherDto;
    /// Card payments taken offline that wait for the provider.
    cards_pending(NoInput) -> PendingCardsDto;
    /// What the server found about the store's card payments: reconciliation's fixes and payments kept for review (needs the server).
    card_findings(NoInput) -> CardFindingsDto;
    /// Adds a trip: prices per traveller type, deposit rule, cancellation policy (audited).
    trip_create(TripCreateInput) -> TripDto;
    /// Adds an option or add-on to a trip, with its own capacity if it has one (audited).
    trip_option_add(TripOptionAddInput) -> TripDto;
    /// Changes a trip's terms (deposit, balance due, cancellation fees, hold) for bookings made from now on (audited).
    trip_policy_set(TripPolicyInput) -> TripDto;
    /// The store's booking policy that new trips start from.
    booking_policy(NoInput) -> BookingPolicyDto;
    /// Sets the store's booking policy for new trips: deposit, balance due, cancellation fees and hold, in one step (settings; audited, synced).
    booking_policy_set(BookingPolicyInput) -> BookingPolicyDto;
    /// Every trip.
    trip_list(NoInput) -> TripListOutput;
    /// One trip by id or code.
    trip_get(TripIdInput) -> TripDto;
    /// Adds a departure with its seats, or sharing another departure's seats (audited).
    departure_add(DepartureAddInput) -> DepartureDto;
    /// Sets a departure's seats, never below what is booked (audited).
    departure_set_capacity(DepartureCapacityInput) -> DepartureDto;
    /// Departures with their seats left.
    departure_list(DepartureListInput) -> DepartureListOutput;
    /// One departure with its seats left.
    departure_get(DepartureIdInput) -> DepartureDto;
    /// The departures whose seats this device holds as an allotment from the server.
    allotment_list(NoInput) -> AllotmentListOutput;
    /// Asks the server for more seats of a departure for this device (online; audited).
    allotment_request(AllotmentChangeInput) -> DepartureDto;
    /// Gives unsold seats of a departure back to the server; this device stops selling them at once (audited).
    allotment_return(AllotmentChangeInput) -> DepartureDto;
    /// Makes a booking: a quote, held, or held and paid at once; never beyond the seats left.
    booking_create(BookingCreateInput) -> BookingDto;
    /// One booking by id or reference, with its history and payments.
    booking_get(BookingIdInput) -> BookingDto;
    /// Holds a quote's seats until its hold expires.
    booking_hold(BookingIdInput) -> BookingDto;
    /// Takes a deposit or balance payment, with a receipt number.
    booking_pay(BookingPayInput) -> BookingPaymentOutput;
    /// Cancels a booking with the policy's fee, or previews the fee.
    booking_cancel(BookingCancelInput) -> BookingCancelOutput;
    /// Amends a booking (travellers, options, departure) priced again, or previews the difference; audited.
    booking_amend(BookingAmendInput) -> BookingAmendOutput;
    /// Marks a paid booking completed.
    booking_complete(BookingIdInput) -> BookingDto;
    /// Adds a note to a booking.
    booking_note(BookingNoteInput) -> BookingDto;
    /// The booking confirmation as PDF; reprint any time.
    booking_confirmation(BookingIdInput) -> BookingDocumentOutput;
    /// Queues the booking confirmation for email, its PDF attached; the server sends it.
    booking_email(BookingEmailInput) -> BookingEmailOutput;
    /// Queues the balance reminders due (once per booking).
    booking_remind(NoInput) -> BookingRemindOutput;
    /// The emails of a booking and where each stands.
    booking_emails(BookingIdInput) -> EmailListOutput;
    /// Expires this device's holds past their time.
    booking_expire(NoInput) -> BookingsExpiredOutput;
    /// Bookings, newest first, by departure, status or search.
    booking_list(BookingListInput) -> BookingListOutput;
    /// Money still owed on bookings, by due date.
    booking_balances_due(NoInput) -> BalancesDueOutput;
    /// Puts a customer on a full departure's waitlist.
    waitlist_add(WaitlistAddInput) -> WaitlistEntryDto;
    /// A departure's waitlist in order.
    waitlist_list(DepartureIdInput) -> WaitlistOutput;
    /// Takes an entry off the waitlist.
    waitlist_withdraw(WaitlistIdInput) -> WaitlistEntryDto;
    /// Prices a booking and checks its travellers field by field, booking nothing.
    booking_price(BookingPriceInput) -> BookingPriceOutput;
}
