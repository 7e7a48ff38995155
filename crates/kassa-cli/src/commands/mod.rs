//! What each command does: calls the app API and renders JSON and text.

mod account;
mod audit;
pub mod bookings;
pub mod catalog;
pub mod commissions;
pub mod customers;
pub mod places;
mod reports;
mod selling;
pub mod server;
mod session;
pub mod settings;
mod setup;
mod staff;
pub mod sync;

use crate::cli::{Cli, Command};
use kassa_app::kassa_domain::ErrorCode;
use kassa_app::{Api, ApiError, Surface};
use serde_json::Value;
use std::path::Path;

/// What a command produced: JSON for `--json`, text for people.
pub struct Outcome {
    pub json: Value,
    pub human: String,
    /// A report that is itself bad news (a broken audit chain, a dry run with bad rows):
    /// printed as usual, then this error, and the command exits non-zero.
    pub failure: Option<ApiError>,
}

impl Outcome {
    /// An outcome from any serialisable answer and its text.
    pub fn new<T: serde::Serialize>(answer: &T, human: impl Into<String>) -> Outcome {
        Outcome::from_json(to_json(answer), human)
    }

    /// An outcome from JSON and its text.
    pub fn from_json(json: Value, human: impl Into<String>) -> Outcome {
        Outcome {
            json,
            human: human.into(),
            failure: None,
        }
    }

    /// The same report, but the command fails with `error`.
    pub fn failing(self, error: ApiError) -> Outcome {
        Outcome {
            failure: Some(error),
            ..self
        }
    }
}

/// Any answer as JSON.
pub fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Writes amounts in the store's currency: as many decimals as its minor units (JPY none,
/// EUR two, KWD three).
pub struct MoneyText {
    exponent: u8,
}

impl MoneyText {
    /// The store's currency, from the app API.
    pub fn of(api: &Api) -> Result<MoneyText, ApiError> {
        let store = api
            .app_status(kassa_app::dto::NoInput {})?
            .store
            .ok_or_else(|| ApiError::new(ErrorCode::NotSetUp, "this device has no store yet"))?;
        Ok(MoneyText {
            exponent: store.currency_exponent,
        })
    }

    /// `minor` units as the currency writes them, e.g. 229 → `2.29` in EUR, `229` in JPY.
    pub fn show(&self, minor: i64) -> String {
        kassa_app::kassa_domain::money::format_minor(minor, self.exponent)
    }
}

const DB_FILE: &str = "kassa.db";

/// Opens the data folder and runs the command. A folder without a store stays untouched:
/// only `setup`, `demo` and `pair` (joining an existing store) make one, and when they fail
/// they leave nothing behind. `server` never opens a device's store.
pub fn run(cli: &Cli) -> Result<Outcome, ApiError> {
    let dir = cli.data.clone().unwrap_or_else(kassa_app::default_data_dir);
    let fresh = !dir.join(DB_FILE).exists();
    match &cli.command {
        // The server keeps its own database; it never opens a device's store.
        Command::Server(a) => server::run(a, &dir),
        // Joining an existing store starts from an empty folder.
        Command::Pair(a) if fresh => creating(&dir, |api| sync::pair(api, a)),
        Command::Setup(_) | Command::Demo if fresh => {
            creating(&dir, |api| dispatch(cli, api, &dir))
        }
        Command::Status if fresh => session::status_without_store(&dir),
        _ if fresh => Err(ApiError::new(
            ErrorCode::NotSetUp,
            format!(
                "no store in {} yet: run `kassa setup` or `kassa demo`, or join an existing store with `kassa pair --server URL --code CODE`",
                dir.display()
            ),
        )),
        _ => dispatch(cli, &Api::open(&dir, Surface::Cli)?, &dir),
    }
}

/// Makes a store in `dir`; when that fails, removes the database and the folder it created.
fn creating(
    dir: &Path,
    make: impl FnOnce(&Api) -> Result<Outcome, ApiError>,
) -> Result<Outcome, ApiError> {
    let made_dir = !dir.exists();
    let result = Api::open(dir, Surface::Cli).and_then(|api| make(&api));
    // The Api (and its connection) is closed here, so the files can go.
    if result.is_err() {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(dir.join(format!("{DB_FILE}{suffix}")));
        }
        if made_dir {
            // Only if empty: anything else in it is not ours to remove.
            let _ = std::fs::remove_dir(dir);
        }
    }
    result
}

fn dispatch(cli: &Cli, api: &Api, dir: &Path) -> Result<Outcome, ApiError> {
    match &cli.command {
        Command::Setup(a) => setup::setup(api, a),
        Command::Demo => setup::demo(api, dir),
        Command::Login(a) => session::login(api, a),
        Command::Logout => session::logout(api),
        Command::Status => session::status(api, dir),
        Command::Audit(a) => audit::run(api, a),
        Command::Settings(c) => settings::run(api, c),
        Command::Sell(a) => selling::sell(api, a),
        Command::Refund(a) => selling::refund(api, a),
        Command::Void { order, reason } => selling::void(api, order, reason),
        Command::Order { number } => selling::order(api, number),
        Command::Receipt(a) => selling::receipt(api, a),
        Command::Emails {
            order: Some(order), ..
        } => selling::emails(api, order),
        Command::Emails {
            order: None,
            filter,
        } => selling::store_emails(api, filter.clone()),
        Command::Shift(c) => selling::shift(api, c),
        Command::Report(c) => selling::report(api, c),
        Command::Voucher(c) => selling::voucher(api, c),
        Command::Payments(c) => selling::payments(api, c),
        Command::Commission(c) => commissions::run(api, c),
        Command::Staff(a) => staff::run(api, a),
        Command::Account(a) => account::run(api, a),
        Command::Lock => session::lock(api),
        Command::Unlock => session::unlock(api),
        Command::Product(c) => catalog::product(api, c),
        Command::Stock(a) => catalog::stock(api, a),
        Command::Location(c) => places::location(api, c),
        Command::TaxClass(c) => places::tax_class(api, c),
        Command::Customer(c) => customers::run(api, c),
        Command::Trip(c) => bookings::trip(api, c),
        Command::Departure(c) => bookings::departure(api, c),
        Command::Allotment(c) => bookings::allotment(api, c),
        Command::Book(a) => bookings::book(api, a),
        Command::Booking(c) => bookings::booking(api, c),
        Command::Pair(a) => sync::pair(api, a),
        Command::Sync => sync::sync(api),
        Command::Devices(a) => sync::devices(api, a),
        Command::Conflicts(a) => sync::conflicts(api, a),
        Command::Server(a) => server::run(a, dir),
    }
}
