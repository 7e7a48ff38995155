//! The managers' reports through the API: sales, stock and staff (computed by
//! `kassa_store::reports` from what this device holds), and their exports as CSV and PDF
//! (the PDF laid out by `kassa_documents::report`). Sales reports are for whoever may see the
//! Z report; cost and margin only for roles that may see cost prices; stock (valued at cost)
//! and staff reports for roles that see reports.

use crate::dto::*;
use crate::{Api, ApiError, ApiResult};
use kassa_documents::report::{BarChart, Column, ReportDocument};
use kassa_domain::ErrorCode;
use kassa_domain::money::format_minor;
use kassa_domain::role::{Permission, require};
use kassa_store::foundation::business_day::BusinessDay;
use kassa_store::foundation::{device, settings, sync_state};
use kassa_store::reports::sales::{self, Dimension};
use kassa_store::reports::{Period, staff, stock};

mod bookings;
mod commissions;
mod words;

use words::Words;

/// A cell of an exported table.
#[derive(Debug, Clone)]
enum Cell {
    Text(String),
    Money(i64),
    Count(i64),
    Empty,
}

/// A report as a table, the one source of both the CSV and the PDF's table.
struct Table {
    columns: Vec<(&'static str, bool)>,
    rows: Vec<Vec<Cell>>,
}

impl Cell {
    fn money(v: Option<i64>) -> Cell {
        v.map_or(Cell::Empty, Cell::Money)
    }

    fn count(v: Option<i64>) -> Cell {
        v.map_or(Cell::Empty, Cell::Count)
    }

    /// The cell as written in a file: money in major units with a dot, text as typed.
    fn show(&self, exponent: u8) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Money(m) => format_minor(*m, exponent),
            Cell::Count(n) => n.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a carriage return
/// first) gets a leading `'`, so it stays text.
pub fn formula_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn csv_text(t: &Table, exponent: u8) -> ApiResult<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail =
        |e: csv::Error| ApiError::new(ErrorCode::Internal, format!("writing CSV failed: {e}"));
    w.write_record(t.columns.iter().map(|c| c.0))
        .map_err(fail)?;
    for r in &t.rows {
        w.write_record(r.iter().map(|c| match c {
            Cell::Text(s) => formula_safe(s),
            other => other.show(exponent),
        }))
        .map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("writing CSV failed: {e}")))?;
    String::from_utf8(bytes).map_err(|_| ApiError::new(ErrorCode::Internal, "the CSV is not UTF-8"))
}

fn dimension(by: Option<&str>) -> ApiResult<Dimension> {
    Ok(match by {
        None => Dimension::Day,
        Some(b) => Dimension::parse(b)?,
    })
}

fn sales_dto(r: sales::SalesReport, basis: ReportBasisDto) -> SalesReportDto {
    let t = r.totals;
    SalesReportDto {
        from: r.period.from_text(),
        to: r.period.to_text(),
        by: r.by.as_str().into(),
        basis,
        rows: r
            .rows
            .into_iter()
            .map(|x| SalesRowDto {
                key: x.key,
                label: x.label,
                orders: x.orders,
                quantity: x.quantity,
                gross_minor: x.gross_minor,
                discount_minor: x.discount_minor,
                tax_minor: x.tax_minor,
                refunds: x.refunds,
                refunds_minor: x.refunds_minor,
                net_minor: x.net_minor,
                cost_minor: x.cost_minor,
                margin_minor: x.margin_minor,
            })
            .collect(),
        totals: SalesTotalsDto {
            orders: t.orders,
            gross_minor: t.gross_minor,
            discount_minor: t.discount_minor,
            tax_minor: t.tax_minor,
            rounding_minor: t.rounding_minor,
            refunds: t.refunds,
            refunds_minor: t.refunds_minor,
            refunds_tax_minor: t.refunds_tax_minor,
            refunds_rounding_minor: t.refunds_rounding_minor,
            voids: t.voids,
            net_minor: t.net_minor,
            by_tender: t.by_tender,
            refunds_by_tender: t.refunds_by_tender,
            cost_minor: t.cost_minor,
            margin_minor: t.margin_minor,
            lines_without_cost: t.lines_without_cost,
        },
    }
}

fn sales_table(r: &SalesReportDto) -> Table {
    let with_cost = r.totals.cost_minor.is_some();
    let mut columns = vec![
        ("key", false),
        (title_of(&r.by), false),
        ("orders", true),
        ("quantity", true),
        ("gross", true),
        ("discount", true),
        ("tax", true),
        ("refunds", true),
        ("refunded", true),
        ("net", true),
    ];
    if with_cost {
        columns.extend([("cost", true), ("margin", true)]);
    }
    let rows = r
        .rows
        .iter()
        .map(|x| {
            let mut row = vec![
                Cell::Text(x.key.clone()),
                Cell::Text(x.label.clone()),
                Cell::Count(x.orders),
                Cell::count(x.quantity),
                Cell::Money(x.gross_minor),
                Cell::money(x.discount_minor),
                Cell::money(x.tax_minor),
                Cell::Count(x.refunds),
                Cell::Money(x.refunds_minor),
                Cell::Money(x.net_minor),
            ];
            if with_cost {
                row.extend([Cell::money(x.cost_minor), Cell::money(x.margin_minor)]);
            }
            row
        })
        .collect();
    Table { columns, rows }
}

fn title_of(by: &str) -> &'static str {
    Dimension::ALL
        .into_iter()
        .find(|d| d.as_str() == by)
        .map_or("group", Dimension::as_str)
}

fn stock_table(r: &StockReportDto, w: Words) -> Table {
    let mut rows: Vec<Vec<Cell>> = r
        .locations
        .iter()
        .map(|l| {
            vec![
                Cell::Text("location".into()),
                Cell::Text(l.name.clone()),
                Cell::Text(String::new()),
                Cell::Count(l.units),
                Cell::Money(l.value_minor),
                Cell::Empty,
            ]
        })
        .collect();
    rows.extend(r.low.iter().map(|l| {
        vec![
            Cell::Text("low".into()),
            Cell::Text(l.name.clone()),
            Cell::Text(l.sku.clone()),
            Cell::Count(l.available),
            Cell::Empty,
            Cell::Text(format!("{} {}", w.t("threshold"), l.threshold)),
        ]
    }));
    rows.extend(r.slow_movers.iter().map(|s| {
        vec![
            Cell::Text("slow".into()),
            Cell::Text(s.name.clone()),
            Cell::Text(s.sku.clone()),
            Cell::Count(s.on_hand),
            Cell::money(s.value_minor),
            Cell::Text(s.last_sold.as_ref().map_or_else(
                || w.t("never sold").into(),
                |d| format!("{} {}", w.t("last sold"), w.date(d)),
            )),
        ]
    }));
    Table {
        columns: vec![
            ("section", false),
            ("name", false),
            ("sku", false),
            ("units", true),
            ("value", true),
            ("note", false),
        ],
        rows,
    }
}

fn staff_table(r: &StaffReportDto) -> Table {
    Table {
        columns: vec![
            ("name", false),
            ("role", false),
            ("orders", true),
            ("sales", true),
            ("discounts", true),
            ("refunds", true),
            ("refunded", true),
            ("voids", true),
            ("voided", true),
            ("drawer opens", true),
            ("overrides", true),
            ("approvals", true),
        ],
        rows: r
            .people
            .iter()
            .map(|p| {
                vec![
                    Cell::Text(p.name.clone()),
                    Cell::Text(p.role.clone()),
                    Cell::Count(p.orders),
                    Cell::Money(p.sales_minor),
                    Cell::Money(p.discount_minor),
                    Cell::Count(p.refunds),
                    Cell::Money(p.refunds_minor),
                    Cell::Count(p.voids),
                    Cell::Money(p.voids_minor),
                    Cell::Count(p.drawer_opens),
                    Cell::Count(p.overrides),
                    Cell::Count(p.approvals),
                ]
            })
            .collect(),
    }
}

/// What a finished export says about itself.
struct Export {
    name: String,
    title: String,
    filters: Vec<(String, String)>,
    totals: Vec<(String, String)>,
    chart: Option<BarChart>,
    table: Table,
}

impl Api {
    fn report_store(&self) -> ApiResult<(String, u8, String)> {
        let store_id = self.store_id()?;
        let st = device::store(self.store().conn(), &store_id)?;
        Ok((
            store_id,
            st.currency.exponent(),
            st.currency.code().to_string(),
        ))
    }

    fn basis(&self) -> ApiResult<ReportBasisDto> {
        let (_, exponent, currency) = self.report_store()?;
        let store = self.store();
        Ok(ReportBasisDto {
            made_at: kassa_store::ts(store.clock().now()),
            last_sync_at: sync_state::state(store.conn())?.and_then(|s| s.last_sync_at),
            currency,
            currency_exponent: exponent,
        })
    }

    /// A period's sales, store-wide, grouped one way; cost and margin when asked and allowed.
    pub fn report_sales(&self, input: SalesReportInput) -> ApiResult<SalesReportDto> {
        let me = self.require_any(&[Permission::ViewReports, Permission::OpenCloseDrawer])?;
        let with_cost = input.with_cost.unwrap_or(false);
        if with_cost {
            require(me.role, Permission::ViewCostPrices).map_err(ApiError::from)?;
        }
        let period = Period::parse(&input.from, &input.to)?;
        let by = dimension(input.by.as_deref())?;
        let (store_id, _, _) = self.report_store()?;
        let basis = self.basis()?;
        let r = sales::sales(self.store().conn(), &store_id, period, by, with_cost)?;
        Ok(sales_dto(r, basis))
    }

    /// Stock on hand and its value at cost per location, low stock and slow movers.
    pub fn report_stock(&self, input: StockReportInput) -> ApiResult<StockReportDto> {
        let me = self.require(Permission::ViewReports)?;
        require(me.role, Permission::ViewCostPrices).map_err(ApiError::from)?;
        let (store_id, _, _) = self.report_store()?;
        let basis = self.basis()?;
        let store = self.store();
        let today = match input.as_of.as_deref() {
            Some(d) => chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("'{d}' is not a date (YYYY-MM-DD)"),
                )
            })?,
            None => BusinessDay::of_store(store.conn(), &store_id)?.date_of(store.clock().now()),
        };
        let r = stock::stock(store.conn(), &store_id, today)?;
        Ok(StockReportDto {
            as_of: r.as_of,
            basis,
            locations: r
                .locations
                .into_iter()
                .map(|l| LocationStockDto {
                    location_id: l.location_id,
                    name: l.name,
                    units: l.units,
                    value_minor: l.value_minor,
                })
                .collect(),
            units: r.units,
            value_minor: r.value_minor,
            items_without_cost: r.items_without_cost,
            low: r
                .low
                .into_iter()
                .map(|l| LowStockDto {
                    product_id: l.product_id,
                    sku: l.sku,
                    name: l.name,
                    available: l.available,
                    threshold: l.threshold,
                })
                .collect(),
            slow_mover_days: r.slow_mover_days,
            slow_movers: r
                .slow_movers
                .into_iter()
                .map(|s| SlowMoverDto {
                    product_id: s.product_id,
                    sku: s.sku,
                    name: s.name,
                    on_hand: s.on_hand,
                    last_sold: s.last_sold,
                    value_minor: s.value_minor,
                })
                .collect(),
        })
    }

    /// What each person did in a period, and every override with who approved it.
    pub fn report_staff(&self, input: StaffReportInput) -> ApiResult<StaffReportDto> {
        self.require(Permission::ViewReports)?;
        let period = Period::parse(&input.from, &input.to)?;
        let (store_id, _, _) = self.report_store()?;
        let basis = self.basis()?;
        let r = staff::staff(self.store().conn(), &store_id, period)?;
        Ok(StaffReportDto {
            from: r.period.from_text(),
            to: r.period.to_text(),
            basis,
            people: r
                .people
                .into_iter()
                .map(|p| StaffActivityDto {
                    staff_id: p.staff_id,
                    name: p.name,
                    role: p.role,
                    orders: p.orders,
                    sales_minor: p.sales_minor,
                    discount_minor: p.discount_minor,
                    refunds: p.refunds,
                    refunds_minor: p.refunds_minor,
                    voids: p.voids,
                    voids_minor: p.voids_minor,
                    drawer_opens: p.drawer_opens,
                    overrides: p.overrides,
                    approvals: p.approvals,
                })
                .collect(),
            overrides: r
                .overrides
                .into_iter()
                .map(|o| OverrideDto {
                    kind: o.kind,
                    business_date: o.business_date,
                    at: o.at,
                    number: o.number,
                    amount_minor: o.amount_minor,
                    staff_name: o.staff_name,
                    approver_name: o.approver_name,
                })
                .collect(),
        })
    }

    /// A report as a CSV or PDF file, with the same permission checks as the report itself.
    pub fn report_export(&self, input: ReportExportInput) -> ApiResult<ReportFileDto> {
        let format = input.format.trim().to_ascii_lowercase();
        if format != "csv" && format != "pdf" {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("'{}' is not an export format (csv or pdf)", input.format),
            ));
        }
        let (_, exponent, currency) = self.report_store()?;
        let w = self.export_words(input.language.as_deref())?;
        let money = |m: i64| w.money(m, exponent);
        let dates = || -> ApiResult<(String, String)> {
            match (&input.from, &input.to) {
                (Some(f), Some(t)) => Ok((f.clone(), t.clone())),
                _ => Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "the {} report needs a period: from and to (YYYY-MM-DD)",
                        input.report
                    ),
                )),
            }
        };
        let export = match input.report.trim() {
            "sales" => {
                let (from, to) = dates()?;
                let r = self.report_sales(SalesReportInput {
                    from,
                    to,
                    by: input.by.clone(),
                    with_cost: input.with_cost,
                })?;
                let t = &r.totals;
                let mut totals = vec![
                    (w.t("Orders").to_string(), t.orders.to_string()),
                    (w.t("Gross").into(), money(t.gross_minor)),
                    (w.t("Discounts").into(), money(t.discount_minor)),
                    (w.t("Tax").into(), money(t.tax_minor)),
                    (w.t("Cash rounding").into(), money(t.rounding_minor)),
                    (w.t("Refunds").into(), t.refunds.to_string()),
                    (w.t("Refunded").into(), money(t.refunds_minor)),
                    (w.t("Voids").into(), t.voids.to_string()),
                    (w.t("Net").into(), money(t.net_minor)),
                ];
                for (k, v) in &t.by_tender {
                    totals.push((format!("{} {}", w.t("Paid by"), w.t(k)), money(*v)));
                }
                if let (Some(c), Some(m)) = (t.cost_minor, t.margin_minor) {
                    totals.push((w.t("Cost").into(), money(c)));
                    totals.push((w.t("Margin").into(), money(m)));
                }
                Export {
                    name: format!("sales-by-{}-{}-{}", r.by, r.from, r.to),
                    title: format!("{} {}", w.t("Sales by"), w.t(&r.by)),
                    filters: vec![
                        (w.t("Period").into(), w.period(&r.from, &r.to)),
                        (w.t("Grouped by").into(), w.t(&r.by).to_string()),
                        (w.t("Currency").into(), currency.clone()),
                        (w.t("Data as of last sync").into(), as_of(&r.basis, w)),
                    ],
                    totals,
                    chart: Some(BarChart {
                        title: format!("{} ({currency})", w.t("Net sales")),
                        bars: r
                            .rows
                            .iter()
                            .map(|x| (label(w, &x.label), x.net_minor, money(x.net_minor)))
                            .collect(),
                    }),
                    table: sales_table(&r),
                }
            }
            "stock" => {
                let r = self.report_stock(StockReportInput {
                    as_of: input.as_of.clone(),
                })?;
                Export {
                    name: format!("stock-{}", r.as_of),
                    title: w.t("Stock").into(),
                    filters: vec![
                        (w.t("As of").into(), w.date(&r.as_of)),
                        (
                            w.t("Slow movers").into(),
                            w.t("no sale in {days} days")
                                .replace("{days}", &r.slow_mover_days.to_string()),
                        ),
                        (w.t("Currency").into(), currency.clone()),
                        (w.t("Data as of last sync").into(), as_of(&r.basis, w)),
                    ],
                    totals: vec![
                        (w.t("Units").into(), r.units.to_string()),
                        (w.t("Value at cost").into(), money(r.value_minor)),
                        (
                            w.t("Items without cost").into(),
                            r.items_without_cost.to_string(),
                        ),
                        (w.t("Low stock").into(), r.low.len().to_string()),
                        (w.t("Slow movers").into(), r.slow_movers.len().to_string()),
                    ],
                    chart: Some(BarChart {
                        title: format!("{} ({currency})", w.t("Value at cost per location")),
                        bars: r
                            .locations
                            .iter()
                            .map(|l| (l.name.clone(), l.value_minor, money(l.value_minor)))
                            .collect(),
                    }),
                    table: stock_table(&r, w),
                }
            }
            "staff" => {
                let (from, to) = dates()?;
                let r = self.report_staff(StaffReportInput { from, to })?;
                Export {
                    name: format!("staff-{}-{}", r.from, r.to),
                    title: w.t("Staff activity").into(),
                    filters: vec![
                        (w.t("Period").into(), w.period(&r.from, &r.to)),
                        (w.t("Currency").into(), currency.clone()),
                        (w.t("Data as of last sync").into(), as_of(&r.basis, w)),
                    ],
                    totals: vec![
                        (w.t("People").into(), r.people.len().to_string()),
                        (
                            w.t("Sales").into(),
                            money(r.people.iter().map(|p| p.sales_minor).sum()),
                        ),
                        (w.t("Overrides").into(), r.overrides.len().to_string()),
                    ],
                    chart: Some(BarChart {
                        title: format!("{} ({currency})", w.t("Sales per person")),
                        bars: r
                            .people
                            .iter()
                            .map(|p| (p.name.clone(), p.sales_minor, money(p.sales_minor)))
                            .collect(),
                    }),
                    table: staff_table(&r),
                }
            }
            "bookings" => {
                let (from, to) = dates()?;
                self.bookings_export(from, to, w, &money, &currency)?
            }
            "cards" => {
                let (from, to) = dates()?;
                self.cards_export(from, to, w, &money, &currency)?
            }
            "commissions" => {
                let (from, to) = dates()?;
                self.commissions_export(from, to, w, &money, &currency)?
            }
            other => {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "'{other}' is not a report (sales, stock, staff, bookings, cards or commissions)"
                    ),
                ));
            }
        };
        self.export_file(export, format, exponent, w)
    }

    /// The words of an export: in `language` (the person's) when given, else in the store's
    /// receipt language.
    fn export_words(&self, language: Option<&str>) -> ApiResult<Words> {
        match language.map(str::trim) {
            Some(code) if !code.is_empty() => Ok(Words::of(code)),
            _ => {
                let store_id = self.store_id()?;
                let code = settings::get_text(self.store().conn(), &store_id, "receipt.language")?;
                Ok(Words::of(&code))
            }
        }
    }

    /// An export as the file of `format` (`csv` or `pdf`): the CSV text, or the PDF laid out
    /// with the store's name and receipt header, in the words of `w`.
    fn export_file(
        &self,
        export: Export,
        format: String,
        exponent: u8,
        w: Words,
    ) -> ApiResult<ReportFileDto> {
        let rows = export.table.rows.len() as u64;
        if format == "csv" {
            return Ok(ReportFileDto {
                file_name: format!("{}.csv", export.name),
                format,
                csv: Some(csv_text(&export.table, exponent)?),
                base64: None,
                rows,
            });
        }
        let (store_name, header) = {
            let store_id = self.store_id()?;
            let store = self.store();
            let st = device::store(store.conn(), &store_id)?;
            let header = settings::get_text(store.conn(), &store_id, "receipt.header")?;
            (
                st.name,
                header
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
            )
        };
        // The key column (ids) is for spreadsheets; the PDF shows the labels.
        let shown: Vec<usize> = (0..export.table.columns.len())
            .filter(|&i| export.table.columns[i].0 != "key")
            .collect();
        let doc = ReportDocument {
            language: w.lang,
            store_name,
            store_header: header,
            title: export.title,
            filters: export.filters,
            totals: export.totals,
            chart: export.chart,
            columns: shown
                .iter()
                .map(|&i| Column {
                    title: w.column(export.table.columns[i].0).to_string(),
                    numeric: export.table.columns[i].1,
                })
                .collect(),
            rows: export
                .table
                .rows
                .iter()
                .map(|r| {
                    shown
                        .iter()
                        .map(|&i| match &r[i] {
                            // Sections and roles are words; other text is data.
                            Cell::Text(t)
                                if matches!(export.table.columns[i].0, "section" | "role") =>
                            {
                                w.t(t).to_string()
                            }
                            Cell::Text(t) => label(w, t),
                            Cell::Money(m) => w.money(*m, exponent),
                            other => other.show(exponent),
                        })
                        .collect()
                })
                .collect(),
        };
        let bytes = kassa_documents::report::render(&doc)?;
        use base64::Engine;
        Ok(ReportFileDto {
            file_name: format!("{}.pdf", export.name),
            format,
            csv: None,
            base64: Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
            rows,
        })
    }
}

/// A row's label as a person reads it: the report's own "(no customer)" in the language, a
/// date the language's way, anything else (a product's name) as it is.
fn label(w: Words, text: &str) -> String {
    if text.starts_with("(no ") && text.ends_with(')') {
        w.t(text).to_string()
    } else {
        w.date(text)
    }
}

fn as_of(b: &ReportBasisDto, w: Words) -> String {
    let made = format!("({} {})", w.t("made"), w.date(&b.made_at));
    match &b.last_sync_at {
        Some(t) => format!("{} {made}", w.date(t)),
        None => format!("{} {made}", w.t("never synced")),
    }
}

/// Where a saved export went.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SavedReport {
    pub path: String,
    pub file_name: String,
    pub rows: u64,
}

impl Api {
    /// Exports a report (as [`Api::report_export`], with its checks) and writes the file into
    /// `dir`, made if missing; the desktop app saves into its data folder's `exports`.
    pub fn report_save(
        &self,
        input: ReportExportInput,
        dir: &std::path::Path,
    ) -> ApiResult<SavedReport> {
        let file = self.report_export(input)?;
        let bytes = match (&file.csv, &file.base64) {
            (Some(text), _) => text.clone().into_bytes(),
            (None, Some(b64)) => {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|e| {
                        ApiError::new(
                            ErrorCode::Internal,
                            format!("the export is not base64: {e}"),
                        )
                    })?
            }
            (None, None) => {
                return Err(ApiError::new(ErrorCode::Internal, "the export is empty"));
            }
        };
        let write_failed = |e: std::io::Error| {
            ApiError::new(
                ErrorCode::Internal,
                format!("could not write the export into {}: {e}", dir.display()),
            )
        };
        std::fs::create_dir_all(dir).map_err(write_failed)?;
        // The name comes from dates and a grouping; keep it to a plain file name regardless.
        let name = kassa_documents::plain_file_name(&file.file_name);
        let path = dir.join(&name);
        std::fs::write(&path, bytes).map_err(write_failed)?;
        Ok(SavedReport {
            path: path.display().to_string(),
            file_name: name,
            rows: file.rows,
        })
    }
}
