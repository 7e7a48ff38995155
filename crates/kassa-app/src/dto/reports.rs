//! DTOs of the managers' reports: sales, stock and staff, and their exports. Money fields are
//! integer minor units and end in `_minor`.

use super::catalog::LowStockDto;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// A sales report to make: business dates `from` to `to` (YYYY-MM-DD, both included).
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct SalesReportInput {
    pub from: String,
    pub to: String,
    /// product, category, staff, tender, customer, device, hour, day (default), week or month.
    pub by: Option<String>,
    /// Add cost and margin; only for roles that may see cost prices.
    pub with_cost: Option<bool>,
}

/// Where a report's data stands: what this device held when it made it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ReportBasisDto {
    /// When it was made (RFC 3339, UTC).
    pub made_at: String,
    /// The last sync that went through; absent on a device never synced.
    pub last_sync_at: Option<String>,
    pub currency: String,
    pub currency_exponent: u8,
}

/// One group of a sales report.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SalesRowDto {
    pub key: String,
    pub label: String,
    pub orders: i64,
    /// Units sold (by product or category).
    pub quantity: Option<i64>,
    pub gross_minor: i64,
    /// Absent by tender.
    pub discount_minor: Option<i64>,
    /// Absent by tender.
    pub tax_minor: Option<i64>,
    pub refunds: i64,
    pub refunds_minor: i64,
    pub net_minor: i64,
    pub cost_minor: Option<i64>,
    pub margin_minor: Option<i64>,
}

/// A period's totals, as the Z reports count them.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SalesTotalsDto {
    pub orders: i64,
    pub gross_minor: i64,
    pub discount_minor: i64,
    pub tax_minor: i64,
    pub rounding_minor: i64,
    pub refunds: i64,
    pub refunds_minor: i64,
    pub refunds_tax_minor: i64,
    pub refunds_rounding_minor: i64,
    pub voids: i64,
    pub net_minor: i64,
    pub by_tender: BTreeMap<String, i64>,
    pub refunds_by_tender: BTreeMap<String, i64>,
    pub cost_minor: Option<i64>,
    pub margin_minor: Option<i64>,
    pub lines_without_cost: Option<i64>,
}

/// A sales report.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SalesReportDto {
    pub from: String,
    pub to: String,
    pub by: String,
    pub basis: ReportBasisDto,
    pub rows: Vec<SalesRowDto>,
    pub totals: SalesTotalsDto,
}

/// A stock report to make.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct StockReportInput {
    /// The business date slow movers are counted back from (YYYY-MM-DD); default today.
    pub as_of: Option<String>,
}

/// Stock at one location.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LocationStockDto {
    pub location_id: String,
    pub name: String,
    pub units: i64,
    pub value_minor: i64,
}

/// An item in stock with no sale for the slow-mover days.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SlowMoverDto {
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub on_hand: i64,
    pub last_sold: Option<String>,
    pub value_minor: Option<i64>,
}

/// The stock report.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StockReportDto {
    pub as_of: String,
    pub basis: ReportBasisDto,
    pub locations: Vec<LocationStockDto>,
    pub units: i64,
    pub value_minor: i64,
    pub items_without_cost: i64,
    pub low: Vec<LowStockDto>,
    pub slow_mover_days: i64,
    pub slow_movers: Vec<SlowMoverDto>,
}

/// A staff report to make: business dates `from` to `to`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StaffReportInput {
    pub from: String,
    pub to: String,
}

/// One person's activity in the period.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StaffActivityDto {
    pub staff_id: String,
    pub name: String,
    pub role: String,
    pub orders: i64,
    pub sales_minor: i64,
    pub discount_minor: i64,
    pub refunds: i64,
    pub refunds_minor: i64,
    pub voids: i64,
    pub voids_minor: i64,
    pub drawer_opens: i64,
    /// Their actions a manager approved.
    pub overrides: i64,
    /// Approvals they gave.
    pub approvals: i64,
}

/// A discount, refund or void someone approved.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OverrideDto {
    pub kind: String,
    pub business_date: String,
    pub at: String,
    pub number: String,
    pub amount_minor: i64,
    pub staff_name: String,
    pub approver_name: String,
}

/// The staff report.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StaffReportDto {
    pub from: String,
    pub to: String,
    pub basis: ReportBasisDto,
    pub people: Vec<StaffActivityDto>,
    pub overrides: Vec<OverrideDto>,
}

/// A report to export as a file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct ReportExportInput {
    /// sales, stock, staff, bookings or cards.
    pub report: String,
    /// csv or pdf.
    pub format: String,
    /// For sales, staff, bookings and cards.
    pub from: Option<String>,
    pub to: Option<String>,
    /// For sales: how rows are grouped.
    pub by: Option<String>,
    /// For sales: add cost and margin.
    pub with_cost: Option<bool>,
    /// For stock.
    pub as_of: Option<String>,
    /// The language of the file's words, numbers and dates (`en`, `de`): the person's; the
    /// store's receipt language when not given. CSV numbers keep a dot whatever the language.
    pub language: Option<String>,
}

/// An exported report.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ReportFileDto {
    pub format: String,
    /// A name to save it under, e.g. `sales-by-product-2026-11-01-2026-11-30.csv`.
    pub file_name: String,
    /// The CSV text (UTF-8), for csv.
    pub csv: Option<String>,
    /// The file's bytes in base64, for pdf.
    pub base64: Option<String>,
    /// Rows of the table.
    pub rows: u64,
}
