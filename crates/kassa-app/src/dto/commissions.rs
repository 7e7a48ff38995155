//! DTOs of commissions: the rates, one person's statement for a period and its export, and
//! each person's totals. Rates are basis points (500 = 5 %); money is integer minor units.

use super::reports::ReportBasisDto;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Sets or clears a commission rate. `kind` is `trip` (a trip by id or code), `agent` or
/// `seller` (a person by id or email), `category` (by id or name), or `store` (the default for
/// agents, no `subject`). `rate_bp` absent clears it (the store's default becomes 0).
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct CommissionRateSetInput {
    pub kind: String,
    pub subject: Option<String>,
    pub rate_bp: Option<u32>,
}

/// A rate in force.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CommissionRateDto {
    /// `store`, `trip`, `agent`, `seller` or `category`.
    pub kind: String,
    /// The trip's, person's or category's id; the store's id for the default.
    pub subject_id: String,
    pub name: String,
    pub rate_bp: u32,
}

/// Every rate in force, the store's default first (when not 0).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CommissionRatesDto {
    pub rates: Vec<CommissionRateDto>,
}

/// One person's statement: `staff` by id or email, business dates `from` to `to` (both
/// included). Without `staff`, the person signed in.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct CommissionStatementInput {
    pub staff: Option<String>,
    pub from: String,
    pub to: String,
}

/// One entry of the commission ledger.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CommissionEntryDto {
    pub id: String,
    pub business_date: String,
    pub created_at: String,
    /// `booking` or `sale`.
    pub source_kind: String,
    pub source_id: String,
    /// The booking's reference or the sale's receipt number.
    pub source_ref: String,
    /// `payment` (earned) or `refund` (reversed).
    pub cause_kind: String,
    /// The payment's receipt number, the sale's, or the refund's.
    pub cause_ref: String,
    /// The money it was counted on (negative when given back).
    pub base_minor: i64,
    pub rate_bp: u32,
    /// Negative for a reversal.
    pub amount_minor: i64,
}

/// One person's commission over a period.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CommissionStatementDto {
    pub staff_id: String,
    pub name: String,
    pub from: String,
    pub to: String,
    pub basis: ReportBasisDto,
    pub entries: Vec<CommissionEntryDto>,
    pub earned_minor: i64,
    /// Zero or negative.
    pub reversed_minor: i64,
    pub net_minor: i64,
}

/// A statement as a file: `format` is `csv` or `pdf`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct CommissionExportInput {
    pub staff: Option<String>,
    pub from: String,
    pub to: String,
    pub format: String,
    /// The file's language (`en`, `de`): the person's; the store's receipt language when not
    /// given.
    pub language: Option<String>,
}

/// One person's totals over a period.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CommissionPersonDto {
    pub staff_id: String,
    pub name: String,
    pub entries: i64,
    pub earned_minor: i64,
    pub reversed_minor: i64,
    pub net_minor: i64,
}

/// Commissions earned and reversed per person over a period.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CommissionsReportDto {
    pub from: String,
    pub to: String,
    pub basis: ReportBasisDto,
    pub people: Vec<CommissionPersonDto>,
    pub earned_minor: i64,
    pub reversed_minor: i64,
    pub net_minor: i64,
}
