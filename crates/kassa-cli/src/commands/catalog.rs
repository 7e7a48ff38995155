//! `kassa product ...` and `kassa stock ...`: the catalog and the stock ledger.

use super::{MoneyText, Outcome, to_json};
use clap::{Args, Subcommand};
use kassa_app::dto::*;
use kassa_app::kassa_domain::ErrorCode;
use kassa_app::{Api, ApiError};
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ProductCommand {
    /// Add a product (or a service with --service). Prints its product_id.
    Add(ProductAddArgs),
    /// List products by name, or those matching --search.
    List {
        /// Words to find in names, SKUs, barcodes and categories (accents ignored).
        #[arg(long, value_name = "WORDS")]
        search: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Show one product by barcode or SKU: prices, stock per location, barcodes.
    Show {
        /// A barcode or SKU.
        code: String,
    },
    /// Change a product's price (and cost) in minor units; kept in its price history.
    Price {
        /// A barcode or SKU.
        code: String,
        /// The new shelf price in minor units (tax included unless the tax class is exclusive).
        #[arg(long, value_name = "MINOR")]
        price: i64,
        /// The new cost price in minor units.
        #[arg(long, value_name = "MINOR")]
        cost: Option<i64>,
    },
    /// Import products from CSV (all rows or none; see README for the columns).
    Import {
        file: PathBuf,
        /// Check every row and report; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Export every product as CSV (to --out, or to standard output).
    Export {
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ProductAddArgs {
    /// Stock-keeping unit, unique in the store.
    #[arg(long)]
    pub sku: String,
    #[arg(long)]
    pub name: String,
    /// The shelf price in minor units (cents): tax included unless the tax class says prices
    /// are tax-exclusive; with no tax class the item carries no tax.
    #[arg(long, value_name = "MINOR")]
    pub price: i64,
    /// A barcode (EAN-13, UPC-A, EAN-8 with their check digit, or a code of your own); repeatable.
    #[arg(long = "barcode", value_name = "CODE")]
    pub barcodes: Vec<String>,
    /// Receive this many into stock at once.
    #[arg(long, value_name = "QTY")]
    pub stock: Option<i64>,
    /// Where --stock goes (a location's name; default: the shop floor).
    #[arg(long, value_name = "NAME")]
    pub location: Option<String>,
    /// The cost price in minor units.
    #[arg(long, value_name = "MINOR")]
    pub cost: Option<i64>,
    /// A category path such as "Drinks > Coffee" (made if missing).
    #[arg(long, value_name = "PATH")]
    pub category: Option<String>,
    /// A tax class by name, e.g. "Standard 19%" (none: the item carries no tax).
    #[arg(long, value_name = "NAME")]
    pub tax_class: Option<String>,
    /// A service: sold, never stocked.
    #[arg(long)]
    pub service: bool,
    /// Make this a variant of the product with this SKU.
    #[arg(long, value_name = "SKU", requires = "variant")]
    pub parent: Option<String>,
    /// What tells the variant apart, e.g. "Size M".
    #[arg(long, value_name = "LABEL")]
    pub variant: Option<String>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct StockArgs {
    #[command(subcommand)]
    pub command: Option<StockCommand>,
    /// The item's SKU or barcode: prints its level.
    pub sku: Option<String>,
    /// Only at this location (name or id).
    #[arg(long, value_name = "NAME")]
    pub location: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum StockCommand {
    /// Goods received from a supplier.
    Receive {
        sku: String,
        qty: i64,
        #[arg(long, value_name = "NAME")]
        location: Option<String>,
        /// A batch (lot) code.
        #[arg(long, value_name = "CODE")]
        batch: Option<String>,
        /// The batch's expiry date, YYYY-MM-DD.
        #[arg(long, value_name = "DATE", requires = "batch")]
        expires: Option<String>,
        /// Cost per unit in minor units.
        #[arg(long, value_name = "MINOR")]
        cost: Option<i64>,
    },
    /// Correct the level by DELTA (e.g. -2) with a reason.
    Adjust {
        sku: String,
        #[arg(allow_negative_numbers = true)]
        delta: i64,
        #[arg(long)]
        reason: String,
        #[arg(long, value_name = "NAME")]
        location: Option<String>,
    },
    /// Move stock between two locations.
    Transfer {
        sku: String,
        qty: i64,
        #[arg(long, value_name = "NAME")]
        from: String,
        #[arg(long, value_name = "NAME")]
        to: String,
    },
    /// Post a stock count: each --line SKU=COUNTED; differences become one count.
    Count {
        #[arg(long = "line", value_name = "SKU=QTY", required = true)]
        lines: Vec<String>,
        #[arg(long, value_name = "NAME")]
        location: Option<String>,
    },
    /// An item's movements, newest first.
    Movements {
        sku: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Items low in stock and batches expiring soon.
    Alerts,
    /// Stock on hand valued at cost.
    Value,
}

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, msg)
}

fn lookup(api: &Api, code: &str) -> Result<ProductDto, ApiError> {
    api.product_lookup(ProductLookupInput {
        code: code.to_string(),
    })
}

/// A location by name (any case) or id.
fn location(api: &Api, name: &Option<String>) -> Result<Option<String>, ApiError> {
    let Some(n) = name else { return Ok(None) };
    let meta = api.catalog_meta(NoInput {})?;
    meta.locations
        .iter()
        .find(|l| l.id == *n || l.name.eq_ignore_ascii_case(n.trim()))
        .map(|l| Some(l.id.clone()))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "no location called '{n}'; there are: {}",
                    meta.locations
                        .iter()
                        .map(|l| l.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
}

fn level_text(l: &Option<LevelDto>) -> String {
    match l {
        Some(l) if l.reserved != 0 => format!("{} ({} held)", l.on_hand, l.reserved),
        Some(l) => l.on_hand.to_string(),
        None => "not stocked".into(),
    }
}

fn read_file(path: &PathBuf) -> Result<String, ApiError> {
    std::fs::read_to_string(path)
        .map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))
}

/// Prints a dry run's report as it is; a real import with bad rows is a failure that names them.
pub(crate) fn import_outcome(r: ImportReportDto) -> Result<Outcome, ApiError> {
    let rows: Vec<String> = r
        .errors
        .iter()
        .map(|e| match &e.column {
            Some(c) => format!("line {} ({c}): {}", e.line, e.message),
            None => format!("line {}: {}", e.line, e.message),
        })
        .collect();
    if !r.dry_run && !r.errors.is_empty() {
        let shown: Vec<&String> = rows.iter().take(20).collect();
        return Err(invalid(format!(
            "{} bad rows; nothing was imported: {}{}",
            rows.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            if rows.len() > 20 { "; …" } else { "" }
        )));
    }
    let bad_rows = (!r.errors.is_empty()).then(|| {
        invalid(format!(
            "{} bad rows; nothing would be imported (see the report)",
            rows.len()
        ))
    });
    let human = if r.errors.is_empty() {
        format!(
            "{} {} rows: {} new, {} changed, {} unchanged.",
            if r.dry_run { "Checked" } else { "Imported" },
            r.rows,
            r.created,
            r.updated,
            r.unchanged
        )
    } else {
        format!(
            "{} bad rows (nothing would be imported):\n  {}",
            rows.len(),
            rows.join("\n  ")
        )
    };
    let outcome = Outcome::new(&r, human);
    // A dry run with bad rows reports them all, and fails, so a script stops there.
    Ok(match bad_rows {
        Some(e) => outcome.failing(e),
        None => outcome,
    })
}

pub(crate) fn export_outcome(
    out: CsvExportOutput,
    file: &Option<PathBuf>,
) -> Result<Outcome, ApiError> {
    match file {
        Some(path) => {
            std::fs::write(path, &out.csv)
                .map_err(|e| invalid(format!("cannot write {}: {e}", path.display())))?;
            Ok(Outcome::from_json(
                json!({"rows": out.rows, "path": path.display().to_string()}),
                format!("Wrote {} rows to {}.", out.rows, path.display()),
            ))
        }
        None => Ok(Outcome::from_json(to_json(&out), out.csv)),
    }
}

pub fn product(api: &Api, cmd: &ProductCommand) -> Result<Outcome, ApiError> {
    match cmd {
        ProductCommand::Add(a) => {
            let parent_id = match &a.parent {
                Some(sku) => Some(lookup(api, sku)?.id),
                None => None,
            };
            let p = api.product_create(ProductCreateInput {
                product: ProductFields {
                    sku: a.sku.clone(),
                    name: a.name.clone(),
                    price_minor: a.price,
                    cost_minor: a.cost,
                    barcodes: Some(a.barcodes.clone()),
                    kind: Some(if a.service { "service" } else { "product" }.into()),
                    parent_id,
                    variant: a.variant.clone(),
                    ..Default::default()
                },
                initial_stock: a.stock,
                location_id: location(api, &a.location)?,
                category_path: a.category.clone(),
                tax_class_name: a.tax_class.clone(),
            })?;
            let money = MoneyText::of(api)?;
            Ok(Outcome::from_json(
                json!({"product_id": p.id, "sku": p.sku, "level": p.level.map(|l| l.on_hand)}),
                format!(
                    "Added {} ({}) at {}; stock: {}.",
                    p.display_name,
                    p.sku,
                    money.show(p.price_minor),
                    level_text(&p.level)
                ),
            ))
        }
        ProductCommand::List { search, limit } => {
            let out = api.product_search(ProductSearchInput {
                query: search.clone(),
                limit: Some(*limit),
                ..Default::default()
            })?;
            let money = MoneyText::of(api)?;
            let human = out
                .items
                .iter()
                .map(|p| {
                    format!(
                        "{:16} {:40} {:>10} {:>8}{}\n",
                        p.sku,
                        p.display_name,
                        money.show(p.price_minor),
                        level_text(&p.level),
                        if p.low { "  LOW" } else { "" }
                    )
                })
                .collect::<String>()
                + &format!("{} shown of {}", out.items.len(), out.total);
            Ok(Outcome::new(&out, human))
        }
        ProductCommand::Show { code } => {
            let p = lookup(api, code)?;
            let detail = api.product_get(ProductIdInput { id: p.id })?;
            let d = &detail.product;
            let money = MoneyText::of(api)?;
            let money = |m| money.show(m);
            let mut human = format!(
                "{} — {}\nSKU {}  price {}{}  {}\nbarcodes: {}\ncategory: {}\n",
                d.display_name,
                d.kind,
                d.sku,
                money(d.price_minor),
                d.cost_minor
                    .map(|c| format!("  cost {}", money(c)))
                    .unwrap_or_default(),
                d.tax_rate_bp
                    .map(|r| format!("tax {}.{:02} %", r / 100, r % 100))
                    .unwrap_or_else(|| "no tax".into()),
                if d.barcodes.is_empty() {
                    "-".into()
                } else {
                    d.barcodes.join(", ")
                },
                d.category_path.clone().unwrap_or_else(|| "-".into()),
            );
            for l in &detail.levels {
                human.push_str(&format!(
                    "  {:20} {}\n",
                    l.location.name,
                    level_text(&Some(l.level))
                ));
            }
            Ok(Outcome::new(&detail, human))
        }
        ProductCommand::Price { code, price, cost } => {
            let p = lookup(api, code)?;
            let fields = ProductFields {
                sku: p.sku.clone(),
                name: p.name.clone(),
                description: Some(p.description.clone()),
                kind: Some(p.kind.clone()),
                category_id: p.category_id.clone(),
                parent_id: p.parent_id.clone(),
                variant: Some(p.variant.clone()),
                price_minor: *price,
                cost_minor: cost.or(p.cost_minor),
                tax_class_id: p.tax_class_id.clone(),
                active: Some(p.active),
                stock_tracked: Some(p.stock_tracked),
                allow_negative: p.allow_negative,
                low_threshold: p.low_threshold,
                barcodes: Some(p.barcodes.clone()),
            };
            let after = api.product_update(ProductUpdateInput {
                id: p.id,
                product: fields,
            })?;
            let money = MoneyText::of(api)?;
            Ok(Outcome::from_json(
                json!({"product_id": after.id, "sku": after.sku, "price_minor": after.price_minor, "cost_minor": after.cost_minor}),
                format!(
                    "{} now costs {} (was {}).",
                    after.display_name,
                    money.show(after.price_minor),
                    money.show(p.price_minor)
                ),
            ))
        }
        ProductCommand::Import { file, dry_run } => {
            let csv = read_file(file)?;
            import_outcome(api.catalog_import(CsvImportInput {
                csv,
                dry_run: *dry_run,
            })?)
        }
        ProductCommand::Export { out } => export_outcome(api.catalog_export(NoInput {})?, out),
    }
}

pub fn stock(api: &Api, a: &StockArgs) -> Result<Outcome, ApiError> {
    let Some(cmd) = &a.command else {
        let code = a.sku.as_deref().ok_or_else(|| {
            invalid(
                "give an item's SKU or barcode (kassa stock SKU), or a subcommand such as receive",
            )
        })?;
        let loc = location(api, &a.location)?;
        let s = api.stock_level(StockLevelInput {
            code: code.to_string(),
            location_id: loc,
        })?;
        let human = match &s.level {
            Some(l) => format!(
                "{} ({}): {} on hand, {} available",
                s.name, s.sku, l.on_hand, l.available
            ),
            None => format!("{} ({}): not stocked", s.name, s.sku),
        };
        // A service holds no stock: 0 of everything, with stock_tracked false.
        let l = s.level.unwrap_or(LevelDto {
            on_hand: 0,
            reserved: 0,
            available: 0,
        });
        return Ok(Outcome::from_json(
            json!({"sku": s.sku, "level": l.on_hand, "available": l.available,
                   "reserved": l.reserved, "stock_tracked": s.stock_tracked,
                   "location_id": s.location_id}),
            human,
        ));
    };
    match cmd {
        StockCommand::Receive {
            sku,
            qty,
            location: loc,
            batch,
            expires,
            cost,
        } => {
            let p = lookup(api, sku)?;
            let r = api.stock_receive(StockReceiveInput {
                product_id: p.id,
                qty: *qty,
                location_id: location(api, loc)?,
                batch_code: batch.clone(),
                expires_on: expires.clone(),
                unit_cost_minor: *cost,
                note: None,
            })?;
            Ok(change(&p.sku, r))
        }
        StockCommand::Adjust {
            sku,
            delta,
            reason,
            location: loc,
        } => {
            let p = lookup(api, sku)?;
            let r = api.stock_adjust(StockAdjustInput {
                product_id: p.id,
                delta: *delta,
                reason: reason.clone(),
                location_id: location(api, loc)?,
            })?;
            Ok(change(&p.sku, r))
        }
        StockCommand::Transfer { sku, qty, from, to } => {
            let p = lookup(api, sku)?;
            let (from_id, to_id) = (
                location(api, &Some(from.clone()))?,
                location(api, &Some(to.clone()))?,
            );
            let r = api.stock_transfer(StockTransferInput {
                product_id: p.id,
                qty: *qty,
                from_location_id: from_id.unwrap_or_default(),
                to_location_id: to_id.unwrap_or_default(),
            })?;
            Ok(Outcome::new(
                &r,
                format!(
                    "Moved {qty} of {} from {from} ({} left) to {to} ({} now).",
                    p.sku, r.from.on_hand, r.to.on_hand
                ),
            ))
        }
        StockCommand::Count {
            lines,
            location: loc,
        } => {
            let mut input = Vec::new();
            for l in lines {
                let (sku, qty) = l
                    .rsplit_once('=')
                    .ok_or_else(|| invalid(format!("'{l}' is not SKU=QTY")))?;
                let counted: i64 = qty
                    .trim()
                    .parse()
                    .map_err(|_| invalid(format!("'{qty}' in '{l}' is not a whole number")))?;
                input.push(CountLineInput {
                    product_id: lookup(api, sku)?.id,
                    counted,
                });
            }
            let r = api.stock_count(StockCountInput {
                location_id: location(api, loc)?,
                lines: input,
            })?;
            let human = r
                .lines
                .iter()
                .map(|l| {
                    format!(
                        "{:16} expected {:>5}  counted {:>5}  {:+}\n",
                        l.sku, l.expected, l.counted, l.difference
                    )
                })
                .collect::<String>();
            Ok(Outcome::new(&r, human))
        }
        StockCommand::Movements { sku, limit } => {
            let p = lookup(api, sku)?;
            let r = api.stock_movements(StockMovementsInput {
                product_id: p.id,
                location_id: None,
                limit: Some(*limit),
            })?;
            let human = r
                .items
                .iter()
                .map(|m| {
                    format!(
                        "{}  {:13} {:>+6}  {:12} {}\n",
                        m.created_at,
                        m.kind,
                        m.qty,
                        m.location_name,
                        m.reason.clone().unwrap_or_default()
                    )
                })
                .collect::<String>();
            Ok(Outcome::new(&r, human))
        }
        StockCommand::Alerts => {
            let r = api.stock_alerts(NoInput {})?;
            let mut human = String::from("Low stock:\n");
            for l in &r.low {
                human.push_str(&format!(
                    "  {:16} {:40} {} left (threshold {})\n",
                    l.sku, l.name, l.available, l.threshold
                ));
            }
            human.push_str("Expiring batches:\n");
            for e in &r.expiring {
                human.push_str(&format!(
                    "  {:16} {:30} batch {} {} {} ({} left)\n",
                    e.sku,
                    e.name,
                    e.batch_code,
                    if e.expired { "EXPIRED" } else { "expires" },
                    e.expires_on,
                    e.on_hand
                ));
            }
            Ok(Outcome::new(&r, human))
        }
        StockCommand::Value => {
            let r = api.stock_valuation(NoInput {})?;
            let money = MoneyText::of(api)?;
            let money = |m| money.show(m);
            let mut human = format!(
                "Stock at cost: {} ({} units)\n",
                money(r.total_minor),
                r.units
            );
            for l in &r.by_location {
                human.push_str(&format!(
                    "  {:20} {:>12}  {} units\n",
                    l.location.name,
                    money(l.value_minor),
                    l.units
                ));
            }
            if r.items_without_cost > 0 {
                human.push_str(&format!(
                    "{} items with stock have no cost price and are not counted.\n",
                    r.items_without_cost
                ));
            }
            Ok(Outcome::new(&r, human))
        }
    }
}

fn change(sku: &str, r: StockChangeOutput) -> Outcome {
    Outcome::from_json(
        json!({"sku": sku, "level": r.total.on_hand, "available": r.total.available,
               "location_id": r.location_id, "location_level": r.level.on_hand, "movement_ids": r.movement_ids}),
        format!(
            "{sku}: {} here, {} in all.",
            r.level.on_hand, r.total.on_hand
        ),
    )
}
