//! `kassa commission rate set|list` and `kassa commission statement`: commission rates (the
//! settings permission, audited) and one person's statement for a period, through the app API.

use super::reports::{file_outcome, format_of, json_outcome};
use super::{MoneyText, Outcome};
use crate::cli::ReportOutput;
use clap::{Args, Subcommand};
use kassa_app::dto::{
    CommissionExportInput, CommissionRateSetInput, CommissionRatesDto, CommissionStatementInput,
    NoInput,
};
use kassa_app::kassa_domain::ErrorCode;
use kassa_app::{Api, ApiError};

#[derive(Debug, Subcommand)]
pub enum CommissionCommand {
    /// Commission rates: set or clear one, list them.
    #[command(subcommand)]
    Rate(RateCommand),
    /// One person's commission for a period: every entry earned and reversed, and the totals.
    Statement(StatementArgs),
}

#[derive(Debug, Subcommand)]
pub enum RateCommand {
    /// Set a rate in basis points (500 = 5 %), or clear it with --clear. Exactly one of
    /// --trip, --agent, --seller, --category or --store says what it is for.
    Set(RateSetArgs),
    /// Every rate in force.
    List,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["trip", "agent", "seller", "category", "store"])))]
#[command(group(clap::ArgGroup::new("value").required(true).args(["bp", "clear"])))]
pub struct RateSetArgs {
    /// A trip (id or code): its bookings earn at this rate, before the agent's.
    #[arg(long, value_name = "TRIP")]
    pub trip: Option<String>,
    /// A person as booking agent (id or email).
    #[arg(long, value_name = "STAFF")]
    pub agent: Option<String>,
    /// A person as seller at the till (id or email).
    #[arg(long, value_name = "STAFF")]
    pub seller: Option<String>,
    /// A category (id or name): its products earn at this rate, before the seller's.
    #[arg(long, value_name = "CATEGORY")]
    pub category: Option<String>,
    /// The store's default for booking agents without a trip or own rate.
    #[arg(long)]
    pub store: bool,
    /// The rate in basis points, 0 to 10000.
    #[arg(long, value_name = "BP")]
    pub bp: Option<u32>,
    /// Clear the rate (the store's default becomes 0: none).
    #[arg(long)]
    pub clear: bool,
}

#[derive(Debug, Args)]
pub struct StatementArgs {
    /// The person (id or email); default: you.
    #[arg(long, value_name = "ID")]
    pub staff: Option<String>,
    /// The first business date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: String,
    /// The last business date (YYYY-MM-DD), included.
    #[arg(long, value_name = "DATE")]
    pub to: String,
    #[command(flatten)]
    pub output: ReportOutput,
}

fn rates_text(r: &CommissionRatesDto) -> String {
    if r.rates.is_empty() {
        return "No commission rates are set.".into();
    }
    r.rates
        .iter()
        .map(|x| {
            format!(
                "{:<9} {:<32} {:>6} bp ({} %)",
                x.kind,
                x.name,
                x.rate_bp,
                kassa_app::kassa_domain::money::format_minor(i64::from(x.rate_bp), 2)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn run(api: &Api, c: &CommissionCommand) -> Result<Outcome, ApiError> {
    match c {
        CommissionCommand::Rate(RateCommand::List) => {
            let r = api.commission_rates(NoInput {})?;
            let text = rates_text(&r);
            Ok(Outcome::new(&r, text))
        }
        CommissionCommand::Rate(RateCommand::Set(a)) => {
            let (kind, subject) = match (&a.trip, &a.agent, &a.seller, &a.category) {
                (Some(t), ..) => ("trip", Some(t.clone())),
                (_, Some(s), ..) => ("agent", Some(s.clone())),
                (_, _, Some(s), _) => ("seller", Some(s.clone())),
                (.., Some(c)) => ("category", Some(c.clone())),
                _ if a.store => ("store", None),
                _ => {
                    return Err(ApiError::new(
                        ErrorCode::InvalidInput,
                        "say what the rate is for: --trip, --agent, --seller, --category or --store",
                    ));
                }
            };
            let r = api.commission_rate_set(CommissionRateSetInput {
                kind: kind.into(),
                subject,
                rate_bp: if a.clear { None } else { a.bp },
            })?;
            let text = format!(
                "Rate {}.\n{}",
                if a.clear { "cleared" } else { "set" },
                rates_text(&r)
            );
            Ok(Outcome::new(&r, text))
        }
        CommissionCommand::Statement(a) => {
            let format = format_of(&a.output)?;
            if format != "json" {
                let file = api.commission_export(CommissionExportInput {
                    language: None,
                    staff: a.staff.clone(),
                    from: a.from.clone(),
                    to: a.to.clone(),
                    format,
                })?;
                return file_outcome("commission statement", file, &a.output.out);
            }
            let s = api.commission_statement(CommissionStatementInput {
                staff: a.staff.clone(),
                from: a.from.clone(),
                to: a.to.clone(),
            })?;
            let money = MoneyText::of(api)?;
            let mut human = format!("Commission of {} from {} to {}\n", s.name, s.from, s.to);
            for e in &s.entries {
                human.push_str(&format!(
                    "  {} {:<8} {:<24} {:<24} {:>12} × {:>5} bp = {:>10}\n",
                    e.business_date,
                    e.source_kind,
                    e.source_ref,
                    e.cause_ref,
                    money.show(e.base_minor),
                    e.rate_bp,
                    money.show(e.amount_minor)
                ));
            }
            human.push_str(&format!(
                "Earned {}, reversed {}, net {}",
                money.show(s.earned_minor),
                money.show(s.reversed_minor),
                money.show(s.net_minor)
            ));
            json_outcome("commission statement", &s, human, &a.output.out)
        }
    }
}
