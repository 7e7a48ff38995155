//! DTOs of store settings.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A setting's value: a number, yes/no, or text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(untagged)]
pub enum SettingValueDto {
    Int(i64),
    Bool(bool),
    Text(String),
}

/// What a whole-number setting counts: `money` (minor units of the store's currency, shown
/// in major units) or `basis_points` (shown as a percent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SettingUnitDto {
    Money,
    BasisPoints,
}

/// One setting as the settings screen shows it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SettingDto {
    /// Dotted key, e.g. `security.idle_lock_minutes`.
    pub key: String,
    /// The part before the first dot.
    pub topic: String,
    /// Where the settings screen shows it: `store`, `receipts`, `payments`, `selling`,
    /// `stock`, `security` or `reports`.
    pub group: String,
    /// The only values a text setting may take, when it is a choice.
    pub choices: Option<Vec<String>>,
    /// `int`, `bool` or `text`.
    pub kind: String,
    pub value: SettingValueDto,
    pub default: SettingValueDto,
    /// What an `int` setting counts, when it is money or a rate.
    pub unit: Option<SettingUnitDto>,
    /// Bounds of an `int` setting.
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// What it means.
    pub describe: String,
    /// Whether the signed-in person may change it.
    pub editable: bool,
}

/// Every setting of the store.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SettingsOutput {
    pub settings: Vec<SettingDto>,
}

/// A change of one setting.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SettingSetInput {
    pub key: String,
    pub value: SettingValueDto,
}

/// The store's own row: its name and currency.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StoreProfileDto {
    pub id: String,
    pub code: String,
    pub name: String,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
    /// Whether the currency can no longer change (something was sold).
    pub currency_locked: bool,
    /// Whether the signed-in person may change it.
    pub editable: bool,
}

/// A change of the store's name or currency; an absent field stays as it is.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct StoreUpdateInput {
    pub name: Option<String>,
    pub currency: Option<String>,
}
