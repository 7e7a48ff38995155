// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { AllotmentChangeInput } from "./AllotmentChangeInput";
import type { AllotmentListOutput } from "./AllotmentListOutput";
import type { ApiError } from "./ApiError";
import type { AppStatus } from "./AppStatus";
import type { AuditListInput } from "./AuditListInput";
import type { AuditListOutput } from "./AuditListOutput";
import type { AuditVerifyOutput } from "./AuditVerifyOutput";
import type { BackupCodesOutput } from "./BackupCodesOutput";
import type { BalancesDueOutput } from "./BalancesDueOutput";
import type { BookingAmendInput } from "./BookingAmendInput";
import type { BookingAmendOutput } from "./BookingAmendOutput";
import type { BookingCancelInput } from "./BookingCancelInput";
import type { BookingCancelOutput } from "./BookingCancelOutput";
import type { BookingCreateInput } from "./BookingCreateInput";
import type { BookingDocumentOutput } from "./BookingDocumentOutput";
import type { BookingDto } from "./BookingDto";
import type { BookingEmailInput } from "./BookingEmailInput";
import type { BookingEmailOutput } from "./BookingEmailOutput";
import type { BookingIdInput } from "./BookingIdInput";
import type { BookingListInput } from "./BookingListInput";
import type { BookingListOutput } from "./BookingListOutput";
import type { BookingNoteInput } from "./BookingNoteInput";
import type { BookingPayInput } from "./BookingPayInput";
import type { BookingPaymentOutput } from "./BookingPaymentOutput";
import type { BookingPolicyDto } from "./BookingPolicyDto";
import type { BookingPolicyInput } from "./BookingPolicyInput";
import type { BookingPriceInput } from "./BookingPriceInput";
import type { BookingPriceOutput } from "./BookingPriceOutput";
import type { BookingRemindOutput } from "./BookingRemindOutput";
import type { BookingsExpiredOutput } from "./BookingsExpiredOutput";
import type { BookingsReportDto } from "./BookingsReportDto";
import type { CardFindingsDto } from "./CardFindingsDto";
import type { CardsReportDto } from "./CardsReportDto";
import type { CartAddInput } from "./CartAddInput";
import type { CartCustomerInput } from "./CartCustomerInput";
import type { CartDiscountInput } from "./CartDiscountInput";
import type { CartDto } from "./CartDto";
import type { CartLineRef } from "./CartLineRef";
import type { CartParkInput } from "./CartParkInput";
import type { CartQuantityInput } from "./CartQuantityInput";
import type { CartRef } from "./CartRef";
import type { CatalogMeta } from "./CatalogMeta";
import type { CategoryCreateInput } from "./CategoryCreateInput";
import type { CategoryDto } from "./CategoryDto";
import type { ChangePasswordInput } from "./ChangePasswordInput";
import type { CheckoutInput } from "./CheckoutInput";
import type { CheckoutOutput } from "./CheckoutOutput";
import type { CommissionExportInput } from "./CommissionExportInput";
import type { CommissionRateSetInput } from "./CommissionRateSetInput";
import type { CommissionRatesDto } from "./CommissionRatesDto";
import type { CommissionStatementDto } from "./CommissionStatementDto";
import type { CommissionStatementInput } from "./CommissionStatementInput";
import type { CommissionsReportDto } from "./CommissionsReportDto";
import type { ConfirmPasswordInput } from "./ConfirmPasswordInput";
import type { ConflictDto } from "./ConflictDto";
import type { ConflictResolveInput } from "./ConflictResolveInput";
import type { ConflictsInput } from "./ConflictsInput";
import type { ConflictsOutput } from "./ConflictsOutput";
import type { CsvExportOutput } from "./CsvExportOutput";
import type { CsvImportInput } from "./CsvImportInput";
import type { CustomerDataExportInput } from "./CustomerDataExportInput";
import type { CustomerDataExportOutput } from "./CustomerDataExportOutput";
import type { CustomerDto } from "./CustomerDto";
import type { CustomerEraseInput } from "./CustomerEraseInput";
import type { CustomerFields } from "./CustomerFields";
import type { CustomerIdInput } from "./CustomerIdInput";
import type { CustomerListOutput } from "./CustomerListOutput";
import type { CustomerMergeInput } from "./CustomerMergeInput";
import type { CustomerSearchInput } from "./CustomerSearchInput";
import type { CustomerUpdateInput } from "./CustomerUpdateInput";
import type { DepartureAddInput } from "./DepartureAddInput";
import type { DepartureCapacityInput } from "./DepartureCapacityInput";
import type { DepartureDto } from "./DepartureDto";
import type { DepartureIdInput } from "./DepartureIdInput";
import type { DepartureListInput } from "./DepartureListInput";
import type { DepartureListOutput } from "./DepartureListOutput";
import type { DeviceRef } from "./DeviceRef";
import type { DrawerOpenInput } from "./DrawerOpenInput";
import type { EmailListOutput } from "./EmailListOutput";
import type { EmailsListInput } from "./EmailsListInput";
import type { EmailsOutput } from "./EmailsOutput";
import type { Enrolment } from "./Enrolment";
import type { FavouritesDto } from "./FavouritesDto";
import type { FavouritesInput } from "./FavouritesInput";
import type { ImportReportDto } from "./ImportReportDto";
import type { InvitationCheckOutput } from "./InvitationCheckOutput";
import type { InvitationCodeInput } from "./InvitationCodeInput";
import type { InvitationDto } from "./InvitationDto";
import type { InvitationIssued } from "./InvitationIssued";
import type { InvitationRef } from "./InvitationRef";
import type { InvitationResendInput } from "./InvitationResendInput";
import type { LocationCreateInput } from "./LocationCreateInput";
import type { LocationDto } from "./LocationDto";
import type { LoginInput } from "./LoginInput";
import type { NoInput } from "./NoInput";
import type { Ok } from "./Ok";
import type { OrderDto } from "./OrderDto";
import type { OrderRef } from "./OrderRef";
import type { OrdersDto } from "./OrdersDto";
import type { OrdersInput } from "./OrdersInput";
import type { OutboxSummaryDto } from "./OutboxSummaryDto";
import type { PairingCodeDto } from "./PairingCodeDto";
import type { ParkedCartsDto } from "./ParkedCartsDto";
import type { PendingCardsDto } from "./PendingCardsDto";
import type { PeriodReportInput } from "./PeriodReportInput";
import type { ProductCreateInput } from "./ProductCreateInput";
import type { ProductDetail } from "./ProductDetail";
import type { ProductDto } from "./ProductDto";
import type { ProductIdInput } from "./ProductIdInput";
import type { ProductListOutput } from "./ProductListOutput";
import type { ProductLookupInput } from "./ProductLookupInput";
import type { ProductSearchInput } from "./ProductSearchInput";
import type { ProductUpdateInput } from "./ProductUpdateInput";
import type { ReceiptEmailInput } from "./ReceiptEmailInput";
import type { ReceiptEmailsInput } from "./ReceiptEmailsInput";
import type { ReceiptInput } from "./ReceiptInput";
import type { ReceiptOutput } from "./ReceiptOutput";
import type { ReceiptPrintInput } from "./ReceiptPrintInput";
import type { RefundInput } from "./RefundInput";
import type { RefundOutput } from "./RefundOutput";
import type { ReportExportInput } from "./ReportExportInput";
import type { ReportFileDto } from "./ReportFileDto";
import type { SalesReportDto } from "./SalesReportDto";
import type { SalesReportInput } from "./SalesReportInput";
import type { SellInput } from "./SellInput";
import type { SessionDto } from "./SessionDto";
import type { SetPinInput } from "./SetPinInput";
import type { SettingDto } from "./SettingDto";
import type { SettingSetInput } from "./SettingSetInput";
import type { SettingsOutput } from "./SettingsOutput";
import type { SetupInput } from "./SetupInput";
import type { SetupOutput } from "./SetupOutput";
import type { ShiftCashInput } from "./ShiftCashInput";
import type { ShiftCloseInput } from "./ShiftCloseInput";
import type { ShiftOpenInput } from "./ShiftOpenInput";
import type { ShiftStatusDto } from "./ShiftStatusDto";
import type { StaffAcceptInput } from "./StaffAcceptInput";
import type { StaffActiveInput } from "./StaffActiveInput";
import type { StaffDto } from "./StaffDto";
import type { StaffInviteInput } from "./StaffInviteInput";
import type { StaffListOutput } from "./StaffListOutput";
import type { StaffReenrolInput } from "./StaffReenrolInput";
import type { StaffRef } from "./StaffRef";
import type { StaffReportDto } from "./StaffReportDto";
import type { StaffReportInput } from "./StaffReportInput";
import type { StaffRoleInput } from "./StaffRoleInput";
import type { StaffUnlockInput } from "./StaffUnlockInput";
import type { StockAdjustInput } from "./StockAdjustInput";
import type { StockAlertsOutput } from "./StockAlertsOutput";
import type { StockChangeOutput } from "./StockChangeOutput";
import type { StockCountInput } from "./StockCountInput";
import type { StockCountOutput } from "./StockCountOutput";
import type { StockLevelInput } from "./StockLevelInput";
import type { StockLevelOutput } from "./StockLevelOutput";
import type { StockMovementsInput } from "./StockMovementsInput";
import type { StockMovementsOutput } from "./StockMovementsOutput";
import type { StockReceiveInput } from "./StockReceiveInput";
import type { StockReportDto } from "./StockReportDto";
import type { StockReportInput } from "./StockReportInput";
import type { StockTransferInput } from "./StockTransferInput";
import type { StockTransferOutput } from "./StockTransferOutput";
import type { StockValuationOutput } from "./StockValuationOutput";
import type { StoreDevicesOutput } from "./StoreDevicesOutput";
import type { StoreProfileDto } from "./StoreProfileDto";
import type { StoreUpdateInput } from "./StoreUpdateInput";
import type { SyncPairInput } from "./SyncPairInput";
import type { SyncPairOutput } from "./SyncPairOutput";
import type { SyncReportDto } from "./SyncReportDto";
import type { SyncStatusDto } from "./SyncStatusDto";
import type { TaxClassCreateInput } from "./TaxClassCreateInput";
import type { TaxClassDto } from "./TaxClassDto";
import type { TemporaryPassword } from "./TemporaryPassword";
import type { TripCreateInput } from "./TripCreateInput";
import type { TripDto } from "./TripDto";
import type { TripIdInput } from "./TripIdInput";
import type { TripListOutput } from "./TripListOutput";
import type { TripOptionAddInput } from "./TripOptionAddInput";
import type { TripPolicyInput } from "./TripPolicyInput";
import type { UnlockInput } from "./UnlockInput";
import type { VoidInput } from "./VoidInput";
import type { VoucherDto } from "./VoucherDto";
import type { VoucherIssueInput } from "./VoucherIssueInput";
import type { VoucherRef } from "./VoucherRef";
import type { WaitlistAddInput } from "./WaitlistAddInput";
import type { WaitlistEntryDto } from "./WaitlistEntryDto";
import type { WaitlistIdInput } from "./WaitlistIdInput";
import type { WaitlistOutput } from "./WaitlistOutput";
import type { ZListDto } from "./ZListDto";
import type { ZReportDto } from "./ZReportDto";
import type { ZReportInput } from "./ZReportInput";

/** Every command of the app API: its input and output. */
export type Commands = {
  /** What the first screen needs: set up or not, store, device, session, sync. */
  app_status: { input: NoInput; output: AppStatus };
  /** First-run setup: the store, this device and the first admin. */
  setup: { input: SetupInput; output: SetupOutput };
  /** Sign in with password and TOTP code (or backup code); opens a session. */
  login: { input: LoginInput; output: SessionDto };
  /** Ends the session on this device. */
  logout: { input: NoInput; output: Ok };
  /** Where this device stands with the server. */
  sync_status: { input: NoInput; output: SyncStatusDto };
  /** Pairs this device with the server, with a one-time pairing code (admins). */
  sync_pair: { input: SyncPairInput; output: SyncPairOutput };
  /** Syncs with the paired server now; the outbox drains as the server acknowledges it. */
  sync_now: { input: NoInput; output: SyncReportDto };
  /** What has not reached the server yet, grouped by kind, with counts and times. */
  outbox_summary: { input: NoInput; output: OutboxSummaryDto };
  /** The store's devices, as the server lists them (admins). */
  devices_list: { input: NoInput; output: StoreDevicesOutput };
  /** The conflicts the merge found between devices' changes (managers and admins). */
  conflicts_list: { input: ConflictsInput; output: ConflictsOutput };
  /** Records a manager's decision on a conflict; it syncs and closes it on every device. */
  conflict_resolve: { input: ConflictResolveInput; output: ConflictDto };
  /** The emails the server sends for this store and where each stands (managers and admins). */
  emails_list: { input: EmailsListInput; output: EmailsOutput };
  /** Revokes a device of the store on the server (admins). */
  device_revoke: { input: DeviceRef; output: Ok };
  /** A one-time code (and its QR code) for another device to join this store (admins). */
  device_pairing_code: { input: NoInput; output: PairingCodeDto };
  /** Checks the audit trail's hash chains. */
  audit_verify: { input: NoInput; output: AuditVerifyOutput };
  /** Lists audit entries, newest first, with the chain's state. */
  audit_list: { input: AuditListInput; output: AuditListOutput };
  /** Every store setting with its value and bounds. */
  settings_list: { input: NoInput; output: SettingsOutput };
  /** Changes one store setting (audited). */
  settings_set: { input: SettingSetInput; output: SettingDto };
  /** The store's name and currency, and whether the currency is locked by sales. */
  store_get: { input: NoInput; output: StoreProfileDto };
  /** Changes the store's name or currency (audited; the currency is refused once anything was sold). */
  store_update: { input: StoreUpdateInput; output: StoreProfileDto };
  /** Locks the session now; the PIN (or password and code) unlocks it. */
  session_lock: { input: NoInput; output: Ok };
  /** Unlocks the locked session with the PIN, or the password and a second factor. */
  session_unlock: { input: UnlockInput; output: SessionDto };
  /** The person is using the app: pushes the idle lock back. */
  session_activity: { input: NoInput; output: Ok };
  /** Ends the session so someone else can sign in (works while locked). */
  switch_user: { input: NoInput; output: Ok };
  /** Everyone on the staff and the open invitations. */
  staff_list: { input: NoInput; output: StaffListOutput };
  /** Invites a person by email with a role; a one-time code is shown once. */
  staff_invite: { input: StaffInviteInput; output: InvitationIssued };
  /** A new code and expiry for an open invitation. */
  staff_invite_resend: { input: InvitationResendInput; output: InvitationIssued };
  /** Withdraws an open invitation. */
  staff_invite_revoke: { input: InvitationRef; output: InvitationDto };
  /** What a one-time code is for (no session needed). */
  invitation_check: { input: InvitationCodeInput; output: InvitationCheckOutput };
  /** Redeems a one-time code: password and authenticator for an invitation, or a new authenticator. */
  staff_accept: { input: StaffAcceptInput; output: Enrolment };
  /** Changes a staff member's role. */
  staff_set_role: { input: StaffRoleInput; output: StaffDto };
  /** Suspends or reactivates a staff member. */
  staff_set_active: { input: StaffActiveInput; output: StaffDto };
  /** Lifts a lockout, with a manager's approval when the role alone does not allow it. */
  staff_unlock: { input: StaffUnlockInput; output: StaffDto };
  /** Resets a password to a temporary one that must be changed at the next sign-in. */
  staff_reset_password: { input: StaffRef; output: TemporaryPassword };
  /** Gives someone who lost their authenticator a code to enrol a new one. */
  staff_reenrol: { input: StaffReenrolInput; output: InvitationIssued };
  /** Changes one's own password. */
  account_change_password: { input: ChangePasswordInput; output: Ok };
  /** Sets one's own quick-unlock PIN. */
  account_set_pin: { input: SetPinInput; output: Ok };
  /** Replaces one's own backup codes with ten new ones. */
  account_backup_codes: { input: ConfirmPasswordInput; output: BackupCodesOutput };
  /** Tax classes, categories and locations, for the catalog's pickers. */
  catalog_meta: { input: NoInput; output: CatalogMeta };
  /** Finds products as a person types (prefixes, accents ignored); an exact barcode or SKU first. */
  product_search: { input: ProductSearchInput; output: ProductListOutput };
  /** The product with exactly this barcode or SKU (a scan). */
  product_lookup: { input: ProductLookupInput; output: ProductDto };
  /** A product page: stock per location, variants, batches, prices, movements. */
  product_get: { input: ProductIdInput; output: ProductDetail };
  /** Adds a product or service, optionally with its first stock (audited). */
  product_create: { input: ProductCreateInput; output: ProductDto };
  /** Changes a product; price changes are kept in its price history (audited). */
  product_update: { input: ProductUpdateInput; output: ProductDto };
  /** Adds a category (audited). */
  category_create: { input: CategoryCreateInput; output: CategoryDto };
  /** Adds a tax class (audited). */
  tax_class_create: { input: TaxClassCreateInput; output: TaxClassDto };
  /** Checks a catalog CSV; imports it whole unless a dry run or any row is bad. */
  catalog_import: { input: CsvImportInput; output: ImportReportDto };
  /** The catalog as CSV. */
  catalog_export: { input: NoInput; output: CsvExportOutput };
  /** Goods received, optionally as a batch with an expiry date (audited). */
  stock_receive: { input: StockReceiveInput; output: StockChangeOutput };
  /** A stock correction with a reason (audited). */
  stock_adjust: { input: StockAdjustInput; output: StockChangeOutput };
  /** Moves stock between two locations (audited). */
  stock_transfer: { input: StockTransferInput; output: StockTransferOutput };
  /** Posts a stock count's differences as one count (audited). */
  stock_count: { input: StockCountInput; output: StockCountOutput };
  /** An item's stock movements, newest first. */
  stock_movements: { input: StockMovementsInput; output: StockMovementsOutput };
  /** Low stock and expiring batches. */
  stock_alerts: { input: NoInput; output: StockAlertsOutput };
  /** Stock on hand valued at cost. */
  stock_valuation: { input: NoInput; output: StockValuationOutput };
  /** An item's stock by barcode or SKU, over all locations or at one. */
  stock_level: { input: StockLevelInput; output: StockLevelOutput };
  /** Adds a stock location (audited). */
  location_create: { input: LocationCreateInput; output: LocationDto };
  /** Finds customers by name, email, phone or tag. */
  customer_search: { input: CustomerSearchInput; output: CustomerListOutput };
  /** One customer. */
  customer_get: { input: CustomerIdInput; output: CustomerDto };
  /** Adds a customer (audited). */
  customer_create: { input: CustomerFields; output: CustomerDto };
  /** Changes a customer (audited). */
  customer_update: { input: CustomerUpdateInput; output: CustomerDto };
  /** Merges a duplicate customer into another (audited). */
  customer_merge: { input: CustomerMergeInput; output: CustomerDto };
  /** Checks a customer CSV; imports it whole unless a dry run or any row is bad. */
  customer_import: { input: CsvImportInput; output: ImportReportDto };
  /** Every customer as CSV. */
  customer_export: { input: NoInput; output: CsvExportOutput };
  /** Everything held about one customer, as JSON or CSV (managers and admins). */
  customer_data_export: { input: CustomerDataExportInput; output: CustomerDataExportOutput };
  /** Erases a customer's personal data on their request; sales stay (managers and admins; audited). */
  customer_erase: { input: CustomerEraseInput; output: CustomerDto };
  /** The open cart of this till, priced; lines whose price changed since are flagged. */
  cart_get: { input: NoInput; output: CartDto };
  /** Adds an item by barcode/SKU or product id at its price now. */
  cart_add: { input: CartAddInput; output: CartDto };
  /** Changes a line's quantity. */
  cart_set_quantity: { input: CartQuantityInput; output: CartDto };
  /** Removes a line. */
  cart_remove_line: { input: CartLineRef; output: CartDto };
  /** A line or order discount; above the limit a manager approves in place. */
  cart_discount: { input: CartDiscountInput; output: CartDto };
  /** Attaches or detaches a customer. */
  cart_set_customer: { input: CartCustomerInput; output: CartDto };
  /** Takes the catalog's current price for a flagged line. */
  cart_reprice: { input: CartLineRef; output: CartDto };
  /** Parks the open cart and starts an empty one. */
  cart_park: { input: CartParkInput; output: CartDto };
  /** The parked carts of this till. */
  cart_parked: { input: NoInput; output: ParkedCartsDto };
  /** Resumes a parked cart. */
  cart_resume: { input: CartRef; output: CartDto };
  /** Empties the open cart. */
  cart_clear: { input: NoInput; output: CartDto };
  /** The favourites grid: best sellers, or a category's products. */
  sell_favourites: { input: FavouritesInput; output: FavouritesDto };
  /** Pays for the open cart in one transaction; the same key returns the first order. */
  checkout: { input: CheckoutInput; output: CheckoutOutput };
  /** Sells lines in one step without the till's cart. */
  sell: { input: SellInput; output: CheckoutOutput };
  /** An order with its lines, payments and history. */
  order_get: { input: OrderRef; output: OrderDto };
  /** Recent orders (a customer's purchases with customer_id). */
  orders_recent: { input: OrdersInput; output: OrdersDto };
  /** Refunds (part of) a sale to its original tenders. */
  refund: { input: RefundInput; output: RefundOutput };
  /** Voids a whole sale that was not handed over or refunded. */
  void_order: { input: VoidInput; output: RefundOutput };
  /** Marks a paid order as handed over. */
  order_fulfil: { input: OrderRef; output: OrderDto };
  /** Puts a past order's items into the open cart at today's prices. */
  reorder: { input: OrderRef; output: CartDto };
  /** A receipt as HTML, PDF or ESC/POS. */
  receipt: { input: ReceiptInput; output: ReceiptOutput };
  /** Sends a receipt to the till's receipt printer. */
  receipt_print: { input: ReceiptPrintInput; output: Ok };
  /** Opens the cash drawer with no sale ("no sale"), with a reason. */
  drawer_open: { input: DrawerOpenInput; output: Ok };
  /** Queues a receipt email; the server sends it. */
  receipt_email: { input: ReceiptEmailInput; output: Ok };
  /** The receipt emails of a sale and where each stands. */
  receipt_emails: { input: ReceiptEmailsInput; output: EmailListOutput };
  /** The till's shift with its X report and the denominations to count. */
  shift_current: { input: NoInput; output: ShiftStatusDto };
  /** Opens a shift with the counted float. */
  shift_open: { input: ShiftOpenInput; output: ShiftStatusDto };
  /** Cash in or out of the drawer with a reason. */
  shift_cash: { input: ShiftCashInput; output: ShiftStatusDto };
  /** Closes the shift with a count: expected, counted, over or short. */
  shift_close: { input: ShiftCloseInput; output: ShiftStatusDto };
  /** A day's figures, or a closed Z report by number. */
  z_report: { input: ZReportInput; output: ZReportDto };
  /** Closes the day: a numbered Z report that cannot change. */
  z_close: { input: NoInput; output: ZReportDto };
  /** The closed Z reports of this till. */
  z_list: { input: NoInput; output: ZListDto };
  /** A period's sales, store-wide, grouped by product, category, staff, tender, customer, device, hour, day, week or month. */
  report_sales: { input: SalesReportInput; output: SalesReportDto };
  /** Stock on hand and its value at cost per location, low stock and slow movers. */
  report_stock: { input: StockReportInput; output: StockReportDto };
  /** Each person's sales, refunds, voids, drawer openings, and every override with its approver. */
  report_staff: { input: StaffReportInput; output: StaffReportDto };
  /** A period's bookings: made by status, money taken, cancellations, balances due, seats per departure, per trip and person. */
  report_bookings: { input: PeriodReportInput; output: BookingsReportDto };
  /** A period's card payments by status and brand, the pending and declined ones, and the offline exposure. */
  report_cards: { input: PeriodReportInput; output: CardsReportDto };
  /** A sales, stock, staff, bookings, cards or commissions report as CSV or PDF. */
  report_export: { input: ReportExportInput; output: ReportFileDto };
  /** Commissions earned and reversed per person over a period. */
  report_commissions: { input: PeriodReportInput; output: CommissionsReportDto };
  /** Sets or clears a commission rate: a trip's, an agent's, a seller's, a category's or the store's default (audited). */
  commission_rate_set: { input: CommissionRateSetInput; output: CommissionRatesDto };
  /** Every commission rate in force. */
  commission_rates: { input: NoInput; output: CommissionRatesDto };
  /** One person's commission statement for a period: every entry earned and reversed, with the totals. */
  commission_statement: { input: CommissionStatementInput; output: CommissionStatementDto };
  /** A commission statement as CSV or PDF. */
  commission_export: { input: CommissionExportInput; output: ReportFileDto };
  /** Issues a voucher (store credit). */
  voucher_issue: { input: VoucherIssueInput; output: VoucherDto };
  /** A voucher's balance. */
  voucher_get: { input: VoucherRef; output: VoucherDto };
  /** Card payments taken offline that wait for the provider. */
  cards_pending: { input: NoInput; output: PendingCardsDto };
  /** What the server found about the store's card payments: reconciliation's fixes and payments kept for review (needs the server). */
  card_findings: { input: NoInput; output: CardFindingsDto };
  /** Adds a trip: prices per traveller type, deposit rule, cancellation policy (audited). */
  trip_create: { input: TripCreateInput; output: TripDto };
  /** Adds an option or add-on to a trip, with its own capacity if it has one (audited). */
  trip_option_add: { input: TripOptionAddInput; output: TripDto };
  /** Changes a trip's terms (deposit, balance due, cancellation fees, hold) for bookings made from now on (audited). */
  trip_policy_set: { input: TripPolicyInput; output: TripDto };
  /** The store's booking policy that new trips start from. */
  booking_policy: { input: NoInput; output: BookingPolicyDto };
  /** Sets the store's booking policy for new trips: deposit, balance due, cancellation fees and hold, in one step (settings; audited, synced). */
  booking_policy_set: { input: BookingPolicyInput; output: BookingPolicyDto };
  /** Every trip. */
  trip_list: { input: NoInput; output: TripListOutput };
  /** One trip by id or code. */
  trip_get: { input: TripIdInput; output: TripDto };
  /** Adds a departure with its seats, or sharing another departure's seats (audited). */
  departure_add: { input: DepartureAddInput; output: DepartureDto };
  /** Sets a departure's seats, never below what is booked (audited). */
  departure_set_capacity: { input: DepartureCapacityInput; output: DepartureDto };
  /** Departures with their seats left. */
  departure_list: { input: DepartureListInput; output: DepartureListOutput };
  /** One departure with its seats left. */
  departure_get: { input: DepartureIdInput; output: DepartureDto };
  /** The departures whose seats this device holds as an allotment from the server. */
  allotment_list: { input: NoInput; output: AllotmentListOutput };
  /** Asks the server for more seats of a departure for this device (online; audited). */
  allotment_request: { input: AllotmentChangeInput; output: DepartureDto };
  /** Gives unsold seats of a departure back to the server; this device stops selling them at once (audited). */
  allotment_return: { input: AllotmentChangeInput; output: DepartureDto };
  /** Makes a booking: a quote, held, or held and paid at once; never beyond the seats left. */
  booking_create: { input: BookingCreateInput; output: BookingDto };
  /** One booking by id or reference, with its history and payments. */
  booking_get: { input: BookingIdInput; output: BookingDto };
  /** Holds a quote's seats until its hold expires. */
  booking_hold: { input: BookingIdInput; output: BookingDto };
  /** Takes a deposit or balance payment, with a receipt number. */
  booking_pay: { input: BookingPayInput; output: BookingPaymentOutput };
  /** Cancels a booking with the policy's fee, or previews the fee. */
  booking_cancel: { input: BookingCancelInput; output: BookingCancelOutput };
  /** Amends a booking (travellers, options, departure) priced again, or previews the difference; audited. */
  booking_amend: { input: BookingAmendInput; output: BookingAmendOutput };
  /** Marks a paid booking completed. */
  booking_complete: { input: BookingIdInput; output: BookingDto };
  /** Adds a note to a booking. */
  booking_note: { input: BookingNoteInput; output: BookingDto };
  /** The booking confirmation as PDF; reprint any time. */
  booking_confirmation: { input: BookingIdInput; output: BookingDocumentOutput };
  /** Queues the booking confirmation for email, its PDF attached; the server sends it. */
  booking_email: { input: BookingEmailInput; output: BookingEmailOutput };
  /** Queues the balance reminders due (once per booking). */
  booking_remind: { input: NoInput; output: BookingRemindOutput };
  /** The emails of a booking and where each stands. */
  booking_emails: { input: BookingIdInput; output: EmailListOutput };
  /** Expires this device's holds past their time. */
  booking_expire: { input: NoInput; output: BookingsExpiredOutput };
  /** Bookings, newest first, by departure, status or search. */
  booking_list: { input: BookingListInput; output: BookingListOutput };
  /** Money still owed on bookings, by due date. */
  booking_balances_due: { input: NoInput; output: BalancesDueOutput };
  /** Puts a customer on a full departure's waitlist. */
  waitlist_add: { input: WaitlistAddInput; output: WaitlistEntryDto };
  /** A departure's waitlist in order. */
  waitlist_list: { input: DepartureIdInput; output: WaitlistOutput };
  /** Takes an entry off the waitlist. */
  waitlist_withdraw: { input: WaitlistIdInput; output: WaitlistEntryDto };
  /** Prices a booking and checks its travellers field by field, booking nothing. */
  booking_price: { input: BookingPriceInput; output: BookingPriceOutput };
};

/** The name of a command. */
export type CommandName = keyof Commands;

/** Every command's name, for mocks and tests. */
export const COMMAND_NAMES: CommandName[] = [
  "app_status",
  "setup",
  "login",
  "logout",
  "sync_status",
  "sync_pair",
  "sync_now",
  "outbox_summary",
  "devices_list",
  "conflicts_list",
  "conflict_resolve",
  "emails_list",
  "device_revoke",
  "device_pairing_code",
  "audit_verify",
  "audit_list",
  "settings_list",
  "settings_set",
  "store_get",
  "store_update",
  "session_lock",
  "session_unlock",
  "session_activity",
  "switch_user",
  "staff_list",
  "staff_invite",
  "staff_invite_resend",
  "staff_invite_revoke",
  "invitation_check",
  "staff_accept",
  "staff_set_role",
  "staff_set_active",
  "staff_unlock",
  "staff_reset_password",
  "staff_reenrol",
  "account_change_password",
  "account_set_pin",
  "account_backup_codes",
  "catalog_meta",
  "product_search",
  "product_lookup",
  "product_get",
  "product_create",
  "product_update",
  "category_create",
  "tax_class_create",
  "catalog_import",
  "catalog_export",
  "stock_receive",
  "stock_adjust",
  "stock_transfer",
  "stock_count",
  "stock_movements",
  "stock_alerts",
  "stock_valuation",
  "stock_level",
  "location_create",
  "customer_search",
  "customer_get",
  "customer_create",
  "customer_update",
  "customer_merge",
  "customer_import",
  "customer_export",
  "customer_data_export",
  "customer_erase",
  "cart_get",
  "cart_add",
  "cart_set_quantity",
  "cart_remove_line",
  "cart_discount",
  "cart_set_customer",
  "cart_reprice",
  "cart_park",
  "cart_parked",
  "cart_resume",
  "cart_clear",
  "sell_favourites",
  "checkout",
  "sell",
  "order_get",
  "orders_recent",
  "refund",
  "void_order",
  "order_fulfil",
  "reorder",
  "receipt",
  "receipt_print",
  "drawer_open",
  "receipt_email",
  "receipt_emails",
  "shift_current",
  "shift_open",
  "shift_cash",
  "shift_close",
  "z_report",
  "z_close",
  "z_list",
  "report_sales",
  "report_stock",
  "report_staff",
  "report_bookings",
  "report_cards",
  "report_export",
  "report_commissions",
  "commission_rate_set",
  "commission_rates",
  "commission_statement",
  "commission_export",
  "voucher_issue",
  "voucher_get",
  "cards_pending",
  "card_findings",
  "trip_create",
  "trip_option_add",
  "trip_policy_set",
  "booking_policy",
  "booking_policy_set",
  "trip_list",
  "trip_get",
  "departure_add",
  "departure_set_capacity",
  "departure_list",
  "departure_get",
  "allotment_list",
  "allotment_request",
  "allotment_return",
  "booking_create",
  "booking_get",
  "booking_hold",
  "booking_pay",
  "booking_cancel",
  "booking_amend",
  "booking_complete",
  "booking_note",
  "booking_confirmation",
  "booking_email",
  "booking_remind",
  "booking_emails",
  "booking_expire",
  "booking_list",
  "booking_balances_due",
  "waitlist_add",
  "waitlist_list",
  "waitlist_withdraw",
  "booking_price",
];

export type { ApiError };
