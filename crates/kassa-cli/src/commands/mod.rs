//! What each command does: calls the app API and renders JSON and text.

mod account;
mod audit;
pub mod catalog;
pub mod customers;
mod selling;
mod session;
mod setup;
mod staff;

use crate::cli::{Cli, Command};
use kassa_app::{Api, ApiError, Surface};
use serde_json::Value;

/// What a command produced: JSON for `--json`, text for people.
pub struct Outcome {
    pub json: Value,
    pub human: String,
}

impl Outcome {
    /// An outcome from any serialisable answer and its text.
    pub fn new<T: serde::Serialize>(answer: &T, human: impl Into<String>) -> Outcome {
        Outcome {
            json: to_json(answer),
            human: human.into(),
        }
    }
}

/// Any answer as JSON.
pub fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Opens the data folder and runs the command.
pub fn run(cli: &Cli) -> Result<Outcome, ApiError> {
    let dir = cli.data.clone().unwrap_or_else(kassa_app::default_data_dir);
    let api = Api::open(&dir, Surface::Cli)?;
    match &cli.command {
        Command::Setup(a) => setup::setup(&api, a),
        Command::Demo => setup::demo(&api, &dir),
        Command::Login(a) => session::login(&api, a),
        Command::Logout => session::logout(&api),
        Command::Status => session::status(&api, &dir),
        Command::Audit(a) => audit::run(&api, a),
        Command::Sell(a) => selling::sell(&api, a),
        Command::Refund(a) => selling::refund(&api, a),
        Command::Order { number } => selling::order(&api, number),
        Command::Receipt(a) => selling::receipt(&api, a),
        Command::Shift(c) => selling::shift(&api, c),
        Command::Report(c) => selling::report(&api, c),
        Command::Staff(a) => staff::run(&api, a),
        Command::Account(a) => account::run(&api, a),
        Command::Lock => session::lock(&api),
        Command::Unlock => session::unlock(&api),
        Command::Product(c) => catalog::product(&api, c),
        Command::Stock(a) => catalog::stock(&api, a),
        Command::Customer(c) => customers::run(&api, c),
    }
}
