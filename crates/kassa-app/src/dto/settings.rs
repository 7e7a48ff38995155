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

/// One setting as the settings screen shows it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SettingDto {
    /// Dotted key, e.g. `security.idle_lock_minutes`.
    pub key: String,
    /// The part before the first dot, for grouping.
    pub topic: String,
    /// `int`, `bool` or `text`.
    pub kind: String,
    pub value: SettingValueDto,
    pub default: SettingValueDto,
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
