//! The command line, as clap parses it.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Kassa headless: the same core as the desktop app, for admins, scripts and tests.
///
/// Secrets come from the environment, never from arguments: KASSA_PASSWORD,
/// KASSA_OTP (the current authenticator code), KASSA_BACKUP_CODE, KASSA_INVITE_TOKEN,
/// KASSA_VOUCHER_CODE. On a terminal Kassa asks for what is missing.
#[derive(Debug, Parser)]
#[command(name = "kassa", version, about, long_about)]
pub struct Cli {
    /// The device's data folder (default: the platform's app-data folder, or KASSA_DATA).
    #[arg(long, global = true, env = "KASSA_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Print one JSON object on stdout (errors as {"error":{...}} on stderr).
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the store, this device and the first admin (password from KASSA_PASSWORD).
    Setup(SetupArgs),
    /// Create a demo store with staff of every role, and print their credentials.
    Demo,
    /// Sign in on this device; later commands act as this person until logout or idle lock.
    Login(LoginArgs),
    /// End the session on this device.
    Logout,
    /// Show the store, this device, who is signed in and what waits for sync.
    Status,
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The store's settings: list them, change one (same checks and audit as the settings screen).
    #[command(subcommand)]
    Settings(crate::commands::settings::SettingsCommand),
    /// Products and services: add, list, show, change prices, import and export CSV.
    #[command(subcommand)]
    Product(crate::commands::catalog::ProductCommand),
    /// `kassa stock SKU` shows an item's level; subcommands receive, adjust, count, move stock.
    Stock(crate::commands::catalog::StockArgs),
    /// Places stock is kept: add, list.
    #[command(subcommand)]
    Location(crate::commands::places::LocationCommand),
    /// Tax classes: add, list.
    #[command(subcommand)]
    TaxClass(crate::commands::places::TaxClassCommand),
    /// Customers: add, list, merge duplicates, import and export CSV, a customer's data on request.
    #[command(subcommand)]
    Customer(crate::commands::customers::CustomerCommand),
    /// Trips: add one with its prices, deposit and cancellation policy; options; list, show.
    #[command(subcommand)]
    Trip(crate::commands::bookings::TripCommand),
    /// Departures of trips: add, list, show, set seats, the waitlist.
    #[command(subcommand)]
    Departure(crate::commands::bookings::DepartureCommand),
    /// Seats this device holds as an allotment from the server: request, return, list.
    #[command(subcommand)]
    Allotment(crate::commands::bookings::AllotmentCommand),
    /// Book seats on a departure in one step: held, and paid with --pay cash=MINOR.
    Book(crate::commands::bookings::BookArgs),
    /// Bookings: quote, hold, pay, cancel, complete, show, list, balances due, waitlist.
    #[command(subcommand)]
    Booking(crate::commands::bookings::BookingCommand),
    /// Commissions: set rates (trip, agent, seller, category, store default), list them, and
    /// one person's statement for a period as JSON, CSV or PDF.
    #[command(subcommand)]
    Commission(crate::commands::commissions::CommissionCommand),
    /// Staff: invitations, roles, lockouts, password resets, new authenticators.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Your own password, PIN and backup codes (confirmed with KASSA_PASSWORD).
    #[command(subcommand)]
    Account(AccountCommand),
    /// Lock the session now; `kassa unlock` resumes it.
    Lock,
    /// Unlock the locked session with KASSA_PIN, or KASSA_PASSWORD and KASSA_OTP.
    Unlock,
    /// Sell in one step: lines by barcode or SKU, and how the customer pays.
    Sell(SellArgs),
    /// Refund a sale (all of it, or some lines) to the original tenders. Above your limit a
    /// manager approves with KASSA_APPROVER_EMAIL, KASSA_APPROVER_PASSWORD (or _PIN) and _OTP.
    Refund(RefundArgs),
    /// Void a whole sale that was not handed over or refunded, saying why. Without the right to
    /// void, a manager approves with KASSA_APPROVER_EMAIL, KASSA_APPROVER_PASSWORD (or _PIN) and
    /// _OTP.
    Void {
        /// The receipt number of the sale.
        #[arg(long, value_name = "NUMBER")]
        order: String,
        /// Why the sale is voided.
        #[arg(long)]
        reason: String,
    },
    /// Show a sale by its receipt number.
    Order {
        /// The receipt number, e.g. CORN-01-000042.
        number: String,
    },
    /// Render a receipt as HTML, PDF or ESC/POS bytes.
    Receipt(ReceiptArgs),
    /// The store's emails and where each stands (waiting, sent, or failed and why), as the
    /// server said at the last sync; or one sale's receipt emails.
    Emails {
        /// The receipt number of a sale: only its receipt emails.
        #[arg(long, value_name = "NUMBER", conflicts_with = "filter")]
        order: Option<String>,
        /// all, waiting, sent or failed (managers and admins).
        #[arg(long, value_name = "FILTER")]
        filter: Option<String>,
    },
    /// The cash drawer: open, cash in or out, close with a count.
    #[command(subcommand)]
    Shift(ShiftCommand),
    /// Reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Gift vouchers and store credit: issue one, look up a balance (code from KASSA_VOUCHER_CODE).
    #[command(subcommand)]
    Voucher(VoucherCommand),
    /// Card payments: those taken offline that wait for the card provider, and what the
    /// server found about them.
    #[command(subcommand)]
    Payments(PaymentsCommand),
    /// Pair this device with the sync server as a device of its store (admins), with a
    /// one-time pairing code from the server; in an empty data folder, join the code's
    /// store as a new device and download it.
    Pair(crate::commands::sync::PairArgs),
    /// Sync with the paired server now: the outbox goes up, other devices' changes come down.
    Sync,
    /// The store's devices on the server: list them, or `revoke ID` (admins).
    Devices(crate::commands::sync::DevicesArgs),
    /// The open conflicts the merge found between devices' changes (managers).
    Conflicts(crate::commands::sync::ConflictsArgs),
    /// The central sync server (the same binary): run it, or make pairing codes.
    Server(crate::commands::server::ServerArgs),
}

#[derive(Debug, Subcommand)]
pub enum PaymentsCommand {
    /// This device's card payments taken offline and not yet confirmed by the provider,
    /// oldest first, with the store's offline limits they count against (managers).
    Pending,
    /// What the server found about the store's card payments, newest first: the fixes
    /// reconciliation with the card provider made and the payments kept for a manager's
    /// review (managers; needs the server).
    Findings,
}

#[derive(Debug, Subcommand)]
pub enum VoucherCommand {
    /// Issue a voucher worth AMOUNT minor units; prints its code, shown once. Above your role a
    /// manager approves with KASSA_APPROVER_EMAIL, KASSA_APPROVER_PASSWORD (or _PIN) and _OTP.
    Issue {
        #[arg(long = "amount", value_name = "MINOR")]
        amount_minor: i64,
        /// The customer's id, for store credit.
        #[arg(long, value_name = "ID")]
        customer: Option<String>,
    },
    /// A voucher's balance; its code comes from KASSA_VOUCHER_CODE (or is asked on a terminal).
    Balance,
}

#[derive(Debug, Args)]
pub struct SellArgs {
    /// A line: barcode or SKU, '=', quantity (repeat for more lines).
    #[arg(long = "line", value_name = "SKU=QTY", required = true)]
    pub lines: Vec<String>,
    /// A payment: cash=MINOR (handed over), card=MINOR or voucher=MINOR (repeat to split). A
    /// voucher's code comes from KASSA_VOUCHER_CODE (several: comma-separated, in --pay order).
    #[arg(long = "pay", value_name = "KIND=MINOR", required = true)]
    pub pays: Vec<String>,
    /// An idempotency key: the same key and sale again returns the first order.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// The customer's id.
    #[arg(long, value_name = "ID")]
    pub customer: Option<String>,
    /// Card taken offline: how to reach the customer if it is declined later.
    #[arg(long, value_name = "EMAIL_OR_PHONE")]
    pub contact: Option<String>,
    /// The card terminal's token for the card (the provider's PaymentMethod id, pm_...),
    /// forwarded to the card provider through the server at the next sync. Never a card number.
    #[arg(long, value_name = "PM_TOKEN")]
    pub card_token: Option<String>,
}

#[derive(Debug, Args)]
pub struct RefundArgs {
    /// The receipt number of the sale.
    #[arg(long, value_name = "NUMBER")]
    pub order: String,
    /// A line to take back: SKU=QTY (repeat); none: everything not yet returned.
    #[arg(long = "line", value_name = "SKU=QTY")]
    pub lines: Vec<String>,
    /// Why.
    #[arg(long)]
    pub reason: Option<String>,
    /// The items are damaged: write them off instead of restocking.
    #[arg(long)]
    pub damaged: bool,
    /// An idempotency key.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReceiptArgs {
    /// The receipt number of the sale.
    #[arg(long, value_name = "NUMBER")]
    pub order: String,
    /// html, pdf or escpos.
    #[arg(long, default_value = "html")]
    pub format: String,
    /// Write the receipt to this file (default: stdout for html).
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ShiftCommand {
    /// The open shift and its X report.
    Status,
    /// Open a shift with a float: counted notes and coins (DENOMINATION_MINOR=COUNT, repeat).
    Open {
        #[arg(long = "count", value_name = "MINOR=N")]
        counts: Vec<String>,
    },
    /// Put cash into the drawer, with a reason.
    CashIn {
        amount_minor: i64,
        #[arg(long)]
        reason: String,
    },
    /// Take cash out of the drawer, with a reason.
    CashOut {
        amount_minor: i64,
        #[arg(long)]
        reason: String,
    },
    /// Open the cash drawer with no sale ("no sale"), saying why: needs the right to open the
    /// drawer; recorded, audited and counted on the X and Z reports.
    NoSale {
        #[arg(long)]
        reason: String,
    },
    /// Close the shift with the counted cash (DENOMINATION_MINOR=COUNT, repeat).
    Close {
        #[arg(long = "count", value_name = "MINOR=N")]
        counts: Vec<String>,
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The Z report: a day's figures on this till, or close the day.
    Z {
        /// The business date (YYYY-MM-DD); default today.
        #[arg(long)]
        date: Option<String>,
        /// Close the day: a numbered Z report that can never change.
        #[arg(long, conflicts_with_all = ["date", "number"])]
        close: bool,
        /// Show a closed Z report by its number.
        #[arg(long)]
        number: Option<i64>,
    },
    /// Sales of a period, store-wide, grouped one way, with the totals (as the Z reports
    /// count them); cost and margin with --cost, for roles that may see cost prices.
    Sales(SalesReportArgs),
    /// Stock on hand and its value at cost per location, low stock and slow movers.
    Stock(StockReportArgs),
    /// Each person's sales, refunds, voids and drawer openings, and every override with who
    /// approved it.
    Staff(StaffReportArgs),
    /// Bookings made by status, money taken and refunded, cancellations with their fees,
    /// balances due, seats per departure, totals per trip and per person.
    Bookings(PeriodReportArgs),
    /// Card payments by status and brand, the pending and declined ones, and this till's
    /// offline exposure against its limit.
    Cards(PeriodReportArgs),
    /// Commissions earned and reversed per person (`kassa commission statement` for one
    /// person's entries).
    Commissions(PeriodReportArgs),
}

/// A report over business dates `--from` to `--to`.
#[derive(Debug, Args)]
pub struct PeriodReportArgs {
    /// The first business date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: String,
    /// The last business date (YYYY-MM-DD), included.
    #[arg(long, value_name = "DATE")]
    pub to: String,
    #[command(flatten)]
    pub output: ReportOutput,
}

/// How a report comes out: JSON (the default; printed, or written to --out), CSV or PDF.
#[derive(Debug, Args)]
pub struct ReportOutput {
    /// json, csv or pdf.
    #[arg(long, default_value = "json")]
    pub format: String,
    /// Write the report to this file (pdf needs one).
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct SalesReportArgs {
    /// The first business date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: String,
    /// The last business date (YYYY-MM-DD), included.
    #[arg(long, value_name = "DATE")]
    pub to: String,
    /// product, category, staff, tender, customer, device, hour, day, week or month.
    #[arg(long, default_value = "day")]
    pub by: String,
    /// Add cost and margin (roles that may see cost prices).
    #[arg(long)]
    pub cost: bool,
    #[command(flatten)]
    pub output: ReportOutput,
}

#[derive(Debug, Args)]
pub struct StockReportArgs {
    /// Accepted for symmetry with the other reports; stock is what is held now.
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// The business date slow movers are counted back from; default today.
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    #[command(flatten)]
    pub output: ReportOutput,
}

#[derive(Debug, Args)]
pub struct StaffReportArgs {
    /// The first business date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: String,
    /// The last business date (YYYY-MM-DD), included.
    #[arg(long, value_name = "DATE")]
    pub to: String,
    #[command(flatten)]
    pub output: ReportOutput,
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The store's name, as printed on receipts.
    #[arg(long = "store", value_name = "NAME")]
    pub store: String,
    /// The store's currency, an ISO 4217 code such as EUR.
    #[arg(long, value_name = "CODE")]
    pub currency: String,
    /// The first admin's email address.
    #[arg(long, value_name = "EMAIL")]
    pub admin: String,
    /// The first admin's name (default: the part of the email before @).
    #[arg(long, value_name = "NAME")]
    pub admin_name: Option<String>,
    /// 2–8 letters or digits in receipt numbers (default: from the store's name).
    #[arg(long, value_name = "CODE")]
    pub store_code: Option<String>,
    /// This device's name (default: Till 1).
    #[arg(long, value_name = "NAME")]
    pub device_name: Option<String>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The email of the person signing in.
    #[arg(long = "as", value_name = "EMAIL")]
    pub email: String,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every device's hash chain; names the first broken entry.
    Verify,
    /// List entries, newest first (needs the view_audit permission).
    List {
        /// Only actions starting with this, e.g. `auth.`.
        #[arg(long, value_name = "PREFIX")]
        action: Option<String>,
        /// Only entries about one thing, e.g. `departure` (its history: created, seats set,
        /// seats granted to and returned by devices) or `booking`.
        #[arg(long, value_name = "ENTITY")]
        entity: Option<String>,
        /// With --entity: only entries about this id.
        #[arg(long, value_name = "ID", requires = "entity")]
        id: Option<String>,
        /// At most this many entries.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// Names an open invitation by its id or by the invited email.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct InvitationArg {
    /// The invitation's id (as `kassa staff list` shows it).
    #[arg(long, value_name = "ID")]
    pub invitation: Option<String>,
    /// The email the open invitation was sent to.
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,
}

/// Names a staff member by email.
#[derive(Debug, Args)]
pub struct StaffEmail {
    /// The staff member's email.
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Everyone on the staff and the open invitations.
    List,
    /// Invite a person; prints the one-time code to pass on.
    Invite {
        /// Their email address.
        #[arg(long, value_name = "EMAIL")]
        email: String,
        /// cashier, agent, manager or admin.
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// How they are shown (they may change it when they accept).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Also email the code to them: the sync server sends it after this device's next
        /// sync (the code never syncs; it is still printed here once).
        #[arg(long)]
        send_email: bool,
    },
    /// Redeem a one-time code from KASSA_INVITE_TOKEN (password from KASSA_PASSWORD): an
    /// invitation sets the password and prints the new authenticator secret and backup codes;
    /// a new-authenticator code takes the current password.
    Accept {
        /// Refused: a one-time code never goes in an argument (other users see arguments);
        /// set KASSA_INVITE_TOKEN.
        #[arg(long, value_name = "CODE", hide = true)]
        token: Option<String>,
        /// How you want to be shown.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
    /// A new code and expiry for an open invitation.
    Resend {
        #[command(flatten)]
        which: InvitationArg,
        /// Also email the new code to them (see `invite --send-email`).
        #[arg(long)]
        send_email: bool,
    },
    /// Withdraw an open invitation.
    Revoke(InvitationArg),
    /// Change someone's role.
    Role {
        #[arg(long, value_name = "EMAIL")]
        email: String,
        #[arg(long, value_name = "ROLE")]
        role: String,
    },
    /// Suspend an account (its sessions end).
    Suspend(StaffEmail),
    /// Reactivate a suspended account.
    Reactivate(StaffEmail),
    /// Lift a lockout. Without the permission, a manager approves with KASSA_APPROVER_EMAIL,
    /// KASSA_APPROVER_PASSWORD (or KASSA_APPROVER_PIN) and KASSA_APPROVER_OTP.
    Unlock(StaffEmail),
    /// Reset a password to a temporary one, to be changed at the next sign-in.
    ResetPassword(StaffEmail),
    /// Give someone who lost their authenticator a code to enrol a new one.
    Reenrol {
        /// The staff member's email.
        #[arg(long, value_name = "EMAIL")]
        email: String,
        /// Also email the code to their address (see `invite --send-email`).
        #[arg(long)]
        send_email: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Change your password (current from KASSA_PASSWORD, new from KASSA_NEW_PASSWORD).
    Password,
    /// Set your quick-unlock PIN (KASSA_PIN, 4-8 digits; current password from KASSA_PASSWORD).
    Pin,
    /// Replace your backup codes with ten new ones (current password from KASSA_PASSWORD).
    BackupCodes,
}
