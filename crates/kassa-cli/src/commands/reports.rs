//! `kassa report sales|stock|staff|bookings|cards|commissions`: the managers' reports as JSON (printed, or
//! written to --out), CSV or PDF. `kassa report z` is in `selling`.

use super::{MoneyText, Outcome, to_json};
use crate::cli::{ReportCommand, ReportOutput};
use base64::Engine;
use kassa_app::dto::{
    PeriodReportInput, ReportExportInput, ReportFileDto, SalesReportInput, StaffReportInput,
    StockReportInput,
};
use kassa_app::kassa_domain::ErrorCode;
use kassa_app::{Api, ApiError};
use serde_json::json;
use std::path::Path;

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    std::fs::write(path, bytes).map_err(|e| bad(format!("cannot write {}: {e}", path.display())))
}

/// What the export wrote, or the CSV itself on standard output.
pub(super) fn file_outcome(
    report: &str,
    file: ReportFileDto,
    out: &Option<std::path::PathBuf>,
) -> Result<Outcome, ApiError> {
    let bytes = match (&file.csv, &file.base64) {
        (Some(csv), _) => csv.as_bytes().to_vec(),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?,
        _ => Vec::new(),
    };
    match out {
        Some(path) => {
            write(path, &bytes)?;
            Ok(Outcome::from_json(
                json!({"report": report, "format": file.format, "path": path.display().to_string(),
                       "rows": file.rows, "bytes": bytes.len()}),
                format!(
                    "Wrote the {report} report ({} rows) to {}.",
                    file.rows,
                    path.display()
                ),
            ))
        }
        None if file.format == "csv" => {
            let text = file.csv.clone().unwrap_or_default();
            Ok(Outcome::from_json(to_json(&file), text))
        }
        None => Err(bad("a PDF report needs --out FILE")),
    }
}

/// The JSON report, printed or written to --out.
pub(super) fn json_outcome<T: serde::Serialize>(
    report: &str,
    answer: &T,
    human: String,
    out: &Option<std::path::PathBuf>,
) -> Result<Outcome, ApiError> {
    match out {
        Some(path) => {
            let text = serde_json::to_string_pretty(answer)
                .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
            write(path, text.as_bytes())?;
            Ok(Outcome::from_json(
                json!({"report": report, "format": "json", "path": path.display().to_string(), "bytes": text.len()}),
                format!("Wrote the {report} report to {}.", path.display()),
            ))
        }
        None => Ok(Outcome::new(answer, human)),
    }
}

pub(super) fn format_of(o: &ReportOutput) -> Result<String, ApiError> {
    let f = o.format.trim().to_ascii_lowercase();
    match f.as_str() {
        "json" | "csv" | "pdf" => Ok(f),
        _ => Err(bad(format!(
            "'{}' is not a report format (json, csv or pdf)",
            o.format
        ))),
    }
}

pub fn run(api: &Api, c: &ReportCommand) -> Result<Outcome, ApiError> {
    match c {
        ReportCommand::Z { .. } => super::selling::report(api, c),
        ReportCommand::Sales(a) => {
            let format = format_of(&a.output)?;
            if format != "json" {
                let file = api.report_export(ReportExportInput {
                    language: None,
                    report: "sales".into(),
                    format,
                    from: Some(a.from.clone()),
                    to: Some(a.to.clone()),
                    by: Some(a.by.clone()),
                    with_cost: Some(a.cost),
                    as_of: None,
                })?;
                return file_outcome("sales", file, &a.output.out);
            }
            let r = api.report_sales(SalesReportInput {
                from: a.from.clone(),
                to: a.to.clone(),
                by: Some(a.by.clone()),
                with_cost: Some(a.cost),
            })?;
            let money = MoneyText::of(api)?;
            let mut human = format!("Sales by {} from {} to {}\n", r.by, r.from, r.to);
            for x in &r.rows {
                human.push_str(&format!(
                    "  {:<32} {:>6} orders  gross {:>12}  refunds {:>10}  net {:>12}\n",
                    x.label,
                    x.orders,
                    money.show(x.gross_minor),
                    money.show(x.refunds_minor),
                    money.show(x.net_minor)
                ));
            }
            let t = &r.totals;
            human.push_str(&format!(
                "Total: {} orders, gross {}, discounts {}, tax {}, refunds {}, net {}",
                t.orders,
                money.show(t.gross_minor),
                money.show(t.discount_minor),
                money.show(t.tax_minor),
                money.show(t.refunds_minor),
                money.show(t.net_minor)
            ));
            if let (Some(c), Some(m)) = (t.cost_minor, t.margin_minor) {
                human.push_str(&format!(
                    ", cost {}, margin {}",
                    money.show(c),
                    money.show(m)
                ));
            }
            json_outcome("sales", &r, human, &a.output.out)
        }
        ReportCommand::Stock(a) => {
            let format = format_of(&a.output)?;
            if format != "json" {
                let file = api.report_export(ReportExportInput {
                    language: None,
                    report: "stock".into(),
                    format,
                    as_of: a.to.clone(),
                    ..Default::default()
                })?;
                return file_outcome("stock", file, &a.output.out);
            }
            let r = api.report_stock(StockReportInput {
                as_of: a.to.clone(),
            })?;
            let money = MoneyText::of(api)?;
            let mut human = format!(
                "Stock on {}: {} units worth {} at cost\n",
                r.as_of,
                r.units,
                money.show(r.value_minor)
            );
            for l in &r.locations {
                human.push_str(&format!(
                    "  {:<24} {:>8} units  {:>12}\n",
                    l.name,
                    l.units,
                    money.show(l.value_minor)
                ));
            }
            human.push_str(&format!(
                "{} low, {} without a sale in {} days",
                r.low.len(),
                r.slow_movers.len(),
                r.slow_mover_days
            ));
            json_outcome("stock", &r, human, &a.output.out)
        }
        ReportCommand::Staff(a) => {
            let format = format_of(&a.output)?;
            if format != "json" {
                let file = api.report_export(ReportExportInput {
                    language: None,
                    report: "staff".into(),
                    format,
                    from: Some(a.from.clone()),
                    to: Some(a.to.clone()),
                    ..Default::default()
                })?;
                return file_outcome("staff", file, &a.output.out);
            }
            let r = api.report_staff(StaffReportInput {
                from: a.from.clone(),
                to: a.to.clone(),
            })?;
            let money = MoneyText::of(api)?;
            let mut human = format!("Staff from {} to {}\n", r.from, r.to);
            for p in &r.people {
                human.push_str(&format!(
                    "  {:<24} {:>5} orders {:>12}  {} refunds  {} voids  {} drawer opens  {} overrides\n",
                    p.name,
                    p.orders,
                    money.show(p.sales_minor),
                    p.refunds,
                    p.voids,
                    p.drawer_opens,
                    p.overrides
                ));
            }
            for o in &r.overrides {
                human.push_str(&format!(
                    "  {} {} {} by {}, approved by {}\n",
                    o.kind,
                    o.number,
                    money.show(o.amount_minor),
                    o.staff_name,
                    o.approver_name
                ));
            }
            json_outcome("staff", &r, human, &a.output.out)
        }
        ReportCommand::Bookings(a) | ReportCommand::Cards(a) => {
            let report = if matches!(c, ReportCommand::Bookings(_)) {
                "bookings"
            } else {
                "cards"
            };
            let format = format_of(&a.output)?;
            if format != "json" {
                let file = api.report_export(ReportExportInput {
                    language: None,
                    report: report.into(),
                    format,
                    from: Some(a.from.clone()),
                    to: Some(a.to.clone()),
                    ..Default::default()
                })?;
                return file_outcome(report, file, &a.output.out);
            }
            let input = PeriodReportInput {
                from: a.from.clone(),
                to: a.to.clone(),
            };
            let money = MoneyText::of(api)?;
            if report == "bookings" {
                let r = api.report_bookings(input)?;
                let human = format!(
                    "Bookings from {} to {}: {} made ({} seats) worth {}; taken {} (deposits {}, balances {}), refunded {}; {} cancelled, fees kept {}, owed {}; balances due {} ({} overdue, {})",
                    r.from,
                    r.to,
                    r.bookings,
                    r.seats,
                    money.show(r.value_minor),
                    money.show(r.money.taken_minor),
                    money.show(r.money.deposits_minor),
                    money.show(r.money.balances_minor),
                    money.show(r.money.refunded_minor),
                    r.cancellation_totals.count,
                    money.show(r.cancellation_totals.kept_minor),
                    money.show(r.cancellation_totals.owed_minor),
                    money.show(r.due_minor),
                    r.overdue,
                    money.show(r.overdue_minor)
                );
                return json_outcome(report, &r, human, &a.output.out);
            }
            let r = api.report_cards(input)?;
            let mut human = format!(
                "Card payments from {} to {}: {} for {}\n",
                r.from,
                r.to,
                r.payments,
                money.show(r.amount_minor)
            );
            for s in &r.by_status {
                human.push_str(&format!(
                    "  {:<16} {:>5}  {:>12}\n",
                    s.status,
                    s.payments,
                    money.show(s.amount_minor)
                ));
            }
            human.push_str(&format!(
                "Offline on this till: {} of {} ({} left)",
                money.show(r.exposure.pending_minor),
                money.show(r.exposure.limit_minor),
                money.show(r.exposure.left_minor)
            ));
            json_outcome(report, &r, human, &a.output.out)
        }
        ReportCommand::Commissions(a) => {
            let format = format_of(&a.output)?;
            if format != "json" {
                let file = api.report_export(ReportExportInput {
                    report: "commissions".into(),
                    format,
                    from: Some(a.from.clone()),
                    to: Some(a.to.clone()),
                    ..Default::default()
                })?;
                return file_outcome("commissions", file, &a.output.out);
            }
            let r = api.report_commissions(PeriodReportInput {
                from: a.from.clone(),
                to: a.to.clone(),
            })?;
            let money = MoneyText::of(api)?;
            let mut human = format!("Commissions from {} to {}\n", r.from, r.to);
            for p in &r.people {
                human.push_str(&format!(
                    "  {:<32} earned {:>10}  reversed {:>10}  net {:>10}\n",
                    p.name,
                    money.show(p.earned_minor),
                    money.show(p.reversed_minor),
                    money.show(p.net_minor)
                ));
            }
            human.push_str(&format!(
                "Total: earned {}, reversed {}, net {}",
                money.show(r.earned_minor),
                money.show(r.reversed_minor),
                money.show(r.net_minor)
            ));
            json_outcome("commissions", &r, human, &a.output.out)
        }
    }
}
