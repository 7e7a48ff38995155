//! Store settings through the API: everyone signed in may read them; changing needs the
//! setting's permission.

use crate::dto::{
    NoInput, SettingDto, SettingSetInput, SettingUnitDto, SettingValueDto, SettingsOutput,
    StoreProfileDto, StoreUpdateInput,
};
use crate::{Api, ApiResult};
use kassa_domain::role::{Permission, allows};
use kassa_domain::settings::{SETTINGS, SettingKind, SettingUnit, SettingValue, def};
use kassa_store::{foundation::device, foundation::settings};

fn to_dto(v: SettingValue) -> SettingValueDto {
    match v {
        SettingValue::Int(i) => SettingValueDto::Int(i),
        SettingValue::Bool(b) => SettingValueDto::Bool(b),
        SettingValue::Text(t) => SettingValueDto::Text(t),
    }
}

fn from_dto(v: SettingValueDto) -> SettingValue {
    match v {
        SettingValueDto::Int(i) => SettingValue::Int(i),
        SettingValueDto::Bool(b) => SettingValue::Bool(b),
        SettingValueDto::Text(t) => SettingValue::Text(t),
    }
}

impl Api {
    /// The store's id, or `not_set_up`.
    pub(crate) fn store_id(&self) -> ApiResult<String> {
        let store = self.store();
        let dev = device::device(store.conn())?.ok_or_else(|| {
            kassa_domain::Error::new(
                kassa_domain::ErrorCode::NotSetUp,
                "this device has no store yet; run setup first",
            )
        })?;
        Ok(dev.store_id)
    }

    /// Every setting with its value; who is signed in decides what is editable.
    pub fn settings_list(&self, _: NoInput) -> ApiResult<SettingsOutput> {
        let me = self.current_session()?;
        let store_id = self.store_id()?;
        let store = self.store();
        let mut out = Vec::new();
        for d in SETTINGS {
            let (kind, min, max) = match d.kind {
                SettingKind::Int { min, max, .. } => ("int", Some(min), Some(max)),
                SettingKind::Bool { .. } => ("bool", None, None),
                SettingKind::Text { .. } => ("text", None, None),
            };
            out.push(SettingDto {
                key: d.key.to_string(),
                topic: d.topic().to_string(),
                group: d.group().to_string(),
                choices: d
                    .choices()
                    .map(|c| c.iter().map(|x| x.to_string()).collect()),
                kind: kind.to_string(),
                value: to_dto(settings::get(store.conn(), &store_id, d.key)?),
                default: to_dto(d.default_value()),
                unit: d.unit().map(|u| match u {
                    SettingUnit::Money => SettingUnitDto::Money,
                    SettingUnit::BasisPoints => SettingUnitDto::BasisPoints,
                }),
                min,
                max,
                describe: d.describe.to_string(),
                editable: allows(me.role, d.permission),
            });
        }
        Ok(SettingsOutput { settings: out })
    }

    /// Changes one setting; audited with before and after.
    pub fn settings_set(&self, input: SettingSetInput) -> ApiResult<SettingDto> {
        let d = def(&input.key)?;
        let me = self.require(d.permission)?;
        let store_id = self.store_id()?;
        let value = from_dto(input.value);
        self.store()
            .write(|tx| settings::set(tx, &store_id, d.key, value, &me.staff_id))?;
        let all = self.settings_list(NoInput {})?;
        all.settings
            .into_iter()
            .find(|s| s.key == d.key)
            .ok_or_else(|| kassa_domain::Error::internal("setting vanished").into())
    }

    /// The store's name and currency, and whether sales lock the currency.
    pub fn store_get(&self, _: NoInput) -> ApiResult<StoreProfileDto> {
        let me = self.current_session()?;
        let store_id = self.store_id()?;
        let store = self.store();
        let s = device::store(store.conn(), &store_id)?;
        Ok(StoreProfileDto {
            id: s.id,
            code: s.code,
            name: s.name,
            currency: s.currency.code().to_string(),
            currency_locked: device::anything_sold(store.conn())?,
            editable: allows(me.role, Permission::Settings),
        })
    }

    /// Changes the store's name or currency (settings permission); audited and synced. The
    /// currency is `currency_locked` once anything was sold.
    pub fn store_update(&self, input: StoreUpdateInput) -> ApiResult<StoreProfileDto> {
        let me = self.require(Permission::Settings)?;
        let store_id = self.store_id()?;
        let change = device::StoreChange {
            name: input.name,
            currency: input.currency,
        };
        self.store()
            .write(|tx| device::update_store(tx, &store_id, &me.staff_id, &change))?;
        self.store_get(NoInput {})
    }
}
