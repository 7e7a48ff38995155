//! `kassa customer ...`: customers, their duplicates and CSV.

use super::Outcome;
use super::catalog::{export_outcome, import_outcome};
use clap::Subcommand;
use kassa_app::dto::*;
use kassa_app::kassa_domain::ErrorCode;
use kassa_app::{Api, ApiError};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum CustomerCommand {
    /// Add a customer.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        /// A tag; repeatable.
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// The customer agreed to marketing (dated now).
        #[arg(long)]
        consent: bool,
    },
    /// List customers by name, or those matching --search (name, email, phone, tag).
    List {
        #[arg(long, value_name = "WORDS")]
        search: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Merge the duplicate --remove into --keep (each a customer's id or email).
    Merge {
        #[arg(long, value_name = "ID_OR_EMAIL")]
        keep: String,
        #[arg(long, value_name = "ID_OR_EMAIL")]
        remove: String,
    },
    /// Import customers from CSV (all rows or none).
    Import {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// Export every customer as CSV; or, given a customer's id or email, everything held
    /// about that customer (row, addresses, consent, orders, vouchers) as --format json or
    /// csv (to --out, or to standard output).
    Export {
        /// One customer's id or email (a data request); all customers when absent.
        #[arg(value_name = "ID_OR_EMAIL")]
        customer: Option<String>,
        /// `json` or `csv` (a single customer's export; the list is always CSV).
        #[arg(long, value_name = "FORMAT")]
        format: Option<String>,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Erase a customer's personal data on their request (managers and admins): the
    /// customer's fields are blanked on every device after sync, sales are kept.
    Erase {
        #[arg(value_name = "ID_OR_EMAIL")]
        customer: String,
        /// Why, e.g. "written request of 3 May" (kept in the audit trail).
        #[arg(long)]
        reason: Option<String>,
    },
}

fn line(c: &CustomerDto) -> String {
    format!(
        "{}  {:30} {:30} {}\n",
        c.id,
        c.name,
        c.email.clone().unwrap_or_default(),
        c.phone.clone().unwrap_or_default()
    )
}

/// A customer's id, given as such or by their email (exactly one customer must have it).
fn customer_id(api: &Api, given: &str) -> Result<String, ApiError> {
    let given = given.trim();
    if !given.contains('@') {
        return Ok(given.to_string());
    }
    let found: Vec<CustomerDto> = api
        .customer_search(CustomerSearchInput {
            query: Some(given.to_string()),
            limit: Some(50),
            offset: None,
        })?
        .items
        .into_iter()
        .filter(|c| {
            c.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(given))
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no customer has the email {given}"),
        )),
        _ => Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("several customers have the email {given}; name them by id"),
        )),
    }
}

pub fn run(api: &Api, cmd: &CustomerCommand) -> Result<Outcome, ApiError> {
    match cmd {
        CustomerCommand::Add {
            name,
            email,
            phone,
            tags,
            consent,
        } => {
            let c = api.customer_create(CustomerFields {
                name: name.clone(),
                email: email.clone(),
                phone: phone.clone(),
                tags: Some(tags.clone()),
                marketing_consent: Some(*consent),
                ..Default::default()
            })?;
            let human = format!("Added {} ({}).", c.name, c.id);
            Ok(Outcome::new(&c, human))
        }
        CustomerCommand::List { search, limit } => {
            let r = api.customer_search(CustomerSearchInput {
                query: search.clone(),
                limit: Some(*limit),
                offset: None,
            })?;
            let human = r.items.iter().map(line).collect::<String>()
                + &format!("{} shown of {}", r.items.len(), r.total);
            Ok(Outcome::new(&r, human))
        }
        CustomerCommand::Merge { keep, remove } => {
            let c = api.customer_merge(CustomerMergeInput {
                keep_id: customer_id(api, keep)?,
                remove_id: customer_id(api, remove)?,
            })?;
            let human = format!("Merged into {}:\n{}", c.name, line(&c));
            Ok(Outcome::new(&c, human))
        }
        CustomerCommand::Import { file, dry_run } => {
            let csv = std::fs::read_to_string(file).map_err(|e| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("cannot read {}: {e}", file.display()),
                )
            })?;
            import_outcome(api.customer_import(CsvImportInput {
                csv,
                dry_run: *dry_run,
            })?)
        }
        CustomerCommand::Export {
            customer: None,
            format,
            out,
        } => {
            if format
                .as_deref()
                .is_some_and(|f| !f.eq_ignore_ascii_case("csv"))
            {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    "the list of all customers is exported as CSV; name a customer for JSON",
                ));
            }
            export_outcome(api.customer_export(NoInput {})?, out)
        }
        CustomerCommand::Export {
            customer: Some(customer),
            format,
            out,
        } => {
            let out_file = out;
            let r = api.customer_data_export(CustomerDataExportInput {
                id: customer_id(api, customer)?,
                format: format.clone().unwrap_or_else(|| "json".into()),
            })?;
            match out_file {
                Some(path) => {
                    std::fs::write(path, &r.content).map_err(|e| {
                        ApiError::new(
                            ErrorCode::InvalidInput,
                            format!("cannot write {}: {e}", path.display()),
                        )
                    })?;
                    let human = format!(
                        "Wrote the customer's data ({}) to {}.",
                        r.format,
                        path.display()
                    );
                    Ok(Outcome::from_json(
                        serde_json::json!({"format": r.format, "path": path.display().to_string()}),
                        human,
                    ))
                }
                None => {
                    let human = r.content.clone();
                    Ok(Outcome::new(&r, human))
                }
            }
        }
        CustomerCommand::Erase { customer, reason } => {
            let c = api.customer_erase(CustomerEraseInput {
                id: customer_id(api, customer)?,
                reason: reason.clone(),
            })?;
            let human = format!(
                "Erased the customer's data ({}); their sales are kept without them.",
                c.id
            );
            Ok(Outcome::new(&c, human))
        }
    }
}
