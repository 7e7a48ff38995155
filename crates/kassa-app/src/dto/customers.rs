//! DTOs of customers.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An address of a customer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AddressDto {
    /// `billing` or `shipping`.
    pub kind: String,
    /// Street and number.
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub country: String,
    /// One address is the primary one; the first is, when none is marked.
    #[serde(default)]
    pub is_primary: bool,
}

/// A customer.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CustomerDto {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub notes: String,
    pub marketing_consent: bool,
    /// When consent was last given or withdrawn.
    pub consent_at: Option<String>,
    pub tags: Vec<String>,
    pub addresses: Vec<AddressDto>,
    /// Set on a duplicate that was merged: the customer it became.
    pub merged_into: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Set when the customer's data was erased on their request (personal fields blank).
    pub erased_at: Option<String>,
}

/// Which customers to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct CustomerSearchInput {
    /// Prefixes of name, email, phone or tags (accents ignored); empty: all by name.
    pub query: Option<String>,
    /// Default 50, at most 500.
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// Customers found.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CustomerListOutput {
    pub items: Vec<CustomerDto>,
    /// All customers of the store.
    pub total: i64,
}

/// One customer, by id.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CustomerIdInput {
    pub id: String,
}

/// Every field of a customer as the editor sends it; absent fields mean "none".
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct CustomerFields {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub notes: Option<String>,
    pub marketing_consent: Option<bool>,
    pub tags: Option<Vec<String>>,
    pub addresses: Option<Vec<AddressDto>>,
}

/// A customer's new fields.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CustomerUpdateInput {
    pub id: String,
    pub customer: CustomerFields,
}

/// Merge a duplicate into the customer kept.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CustomerMergeInput {
    pub keep_id: String,
    pub remove_id: String,
}

/// Everything held about one customer, in a format.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CustomerDataExportInput {
    pub id: String,
    /// `json` or `csv`.
    pub format: String,
}

/// A customer's data as a file to hand over.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CustomerDataExportOutput {
    /// `json` or `csv`.
    pub format: String,
    /// A file name to save it under, e.g. `customer-<id>.json`.
    pub filename: String,
    pub content: String,
}

/// Erase a customer's data on their request.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct CustomerEraseInput {
    pub id: String,
    /// Why (e.g. "request by email of 3 May"); kept in the audit trail.
    pub reason: Option<String>,
}
