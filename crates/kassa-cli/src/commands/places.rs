//! `kassa location ...` and `kassa tax-class ...`: where stock is kept and how items are taxed.

use super::Outcome;
use clap::Subcommand;
use kassa_app::dto::{LocationCreateInput, NoInput, TaxClassCreateInput, TaxClassDto};
use kassa_app::kassa_domain::ErrorCode;
use kassa_app::{Api, ApiError};

#[derive(Debug, Subcommand)]
pub enum LocationCommand {
    /// Add a place stock is kept, e.g. "Back room" (audited).
    Add {
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// Every location; the shop floor (where sales take stock from) first.
    List,
}

#[derive(Debug, Subcommand)]
pub enum TaxClassCommand {
    /// Add a tax class, e.g. --name "Reduced 7%" --rate 7 (audited).
    Add {
        #[arg(long, value_name = "NAME")]
        name: String,
        /// The rate in percent, up to two decimals: 19, 7.7, 5.5.
        #[arg(long, value_name = "PERCENT")]
        rate: String,
        /// Shelf prices exclude this tax; it is added at the till (default: included).
        #[arg(long)]
        exclusive: bool,
    },
    /// Every tax class of the store.
    List,
}

/// "19", "7.7", "5.55" or "19%" → basis points (1900, 770, 555, 1900), exactly.
fn basis_points(text: &str) -> Result<i64, ApiError> {
    let bad = || {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("'{text}' is not a rate in percent with at most two decimals, e.g. 19 or 7.7"),
        )
    };
    let t = text.trim().trim_end_matches('%').trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole
            .chars()
            .chain(frac.chars())
            .all(|c| c.is_ascii_digit())
        || whole.len() > 6
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    Ok(whole * 100 + frac)
}

fn percent(bp: i64) -> String {
    match bp % 100 {
        0 => format!("{} %", bp / 100),
        r if r % 10 == 0 => format!("{}.{} %", bp / 100, r / 10),
        r => format!("{}.{r:02} %", bp / 100),
    }
}

fn tax_line(t: &TaxClassDto) -> String {
    format!(
        "{:30} {:>8}  {}\n",
        t.name,
        percent(t.rate_bp),
        if t.inclusive {
            "included in prices"
        } else {
            "added at the till"
        }
    )
}

pub fn location(api: &Api, cmd: &LocationCommand) -> Result<Outcome, ApiError> {
    match cmd {
        LocationCommand::Add { name } => {
            let l = api.location_create(LocationCreateInput { name: name.clone() })?;
            let human = format!("Added the location {}.", l.name);
            Ok(Outcome::new(&l, human))
        }
        LocationCommand::List => {
            let meta = api.catalog_meta(NoInput {})?;
            let human: String = meta
                .locations
                .iter()
                .map(|l| {
                    format!(
                        "{:30}{}\n",
                        l.name,
                        if l.is_main { "  (shop floor)" } else { "" }
                    )
                })
                .collect();
            Ok(Outcome::from_json(
                serde_json::json!({"locations": meta.locations}),
                human,
            ))
        }
    }
}

pub fn tax_class(api: &Api, cmd: &TaxClassCommand) -> Result<Outcome, ApiError> {
    match cmd {
        TaxClassCommand::Add {
            name,
            rate,
            exclusive,
        } => {
            let t = api.tax_class_create(TaxClassCreateInput {
                name: name.clone(),
                rate_bp: basis_points(rate)?,
                inclusive: !exclusive,
            })?;
            let human = format!("Added the tax class {}", tax_line(&t).trim_end());
            Ok(Outcome::new(&t, human))
        }
        TaxClassCommand::List => {
            let meta = api.catalog_meta(NoInput {})?;
            let human: String = meta.tax_classes.iter().map(tax_line).collect();
            Ok(Outcome::from_json(
                serde_json::json!({"tax_classes": meta.tax_classes}),
                human,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_in_percent_become_exact_basis_points() {
        for (text, bp) in [
            ("19", 1900),
            ("7.7", 770),
            ("5.55", 555),
            ("19%", 1900),
            ("0", 0),
        ] {
            assert_eq!(basis_points(text), Ok(bp), "{text}");
        }
        for text in ["", "7.775", "-5", "abc", "1e3", "7,7", ".5"] {
            assert!(basis_points(text).is_err(), "{text}");
        }
        assert_eq!(percent(770), "7.7 %");
        assert_eq!(percent(555), "5.55 %");
        assert_eq!(percent(1900), "19 %");
    }
}
