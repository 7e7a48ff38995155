//! `kassa settings list` and `kassa settings set KEY VALUE`: the store's settings, through the
//! same app API (checks, audit entry and answer) as the settings screen.

use super::Outcome;
use clap::Subcommand;
use kassa_app::dto::{
    NoInput, SettingDto, SettingSetInput, SettingValueDto, StoreProfileDto, StoreUpdateInput,
};
use kassa_app::kassa_domain::ErrorCode;
use kassa_app::kassa_domain::settings::{SettingKind, def};
use kassa_app::{Api, ApiError};

#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Every setting with its value, default and bounds, and whether you may change it.
    List,
    /// Change one setting (audited with before and after), e.g. `set sell.refund_limit_minor 8000`.
    Set {
        /// The setting's key, e.g. security.idle_lock_minutes.
        key: String,
        /// The new value: a whole number, true or false, or text, as the setting takes.
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
    /// The store's name and currency; with --name or --currency, change them (audited; the
    /// currency is refused with currency_locked once anything was sold).
    Store {
        #[arg(long)]
        name: Option<String>,
        /// ISO 4217 code, e.g. EUR or CHF.
        #[arg(long)]
        currency: Option<String>,
    },
}

fn store_line(s: &StoreProfileDto) -> String {
    format!(
        "{} ({}) · {}{}",
        s.name,
        s.code,
        s.currency,
        if s.currency_locked {
            " (fixed: sales were taken in it)"
        } else {
            ""
        }
    )
}

fn shown(v: &SettingValueDto) -> String {
    match v {
        SettingValueDto::Int(i) => i.to_string(),
        SettingValueDto::Bool(b) => b.to_string(),
        SettingValueDto::Text(t) if t.is_empty() => "\"\"".into(),
        SettingValueDto::Text(t) => format!("{t:?}"),
    }
}

fn line(s: &SettingDto) -> String {
    let bounds = match (s.min, s.max) {
        (Some(min), Some(max)) => format!(" ({min}–{max})"),
        _ => String::new(),
    };
    format!(
        "{:40} {:>12}{}  default {}{}\n",
        s.key,
        shown(&s.value),
        if s.editable { "" } else { " (read only)" },
        shown(&s.default),
        bounds
    )
}

/// The text of VALUE as the kind of value `key` takes.
fn parse(key: &str, text: &str) -> Result<SettingValueDto, ApiError> {
    let d = def(key)?;
    let bad = |what: String| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("'{text}' is not {what}, which {key} takes"),
        )
    };
    Ok(match d.kind {
        SettingKind::Int { min, max, .. } => SettingValueDto::Int(
            text.trim()
                .parse()
                .map_err(|_| bad(format!("a whole number from {min} to {max}")))?,
        ),
        SettingKind::Bool { .. } => {
            SettingValueDto::Bool(match text.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" => true,
                "false" | "no" | "off" => false,
                _ => return Err(bad("true or false".into())),
            })
        }
        SettingKind::Text { .. } => SettingValueDto::Text(text.to_string()),
    })
}

pub fn run(api: &Api, cmd: &SettingsCommand) -> Result<Outcome, ApiError> {
    match cmd {
        SettingsCommand::List => {
            let out = api.settings_list(NoInput {})?;
            let human: String = out.settings.iter().map(line).collect();
            Ok(Outcome::new(&out, human))
        }
        SettingsCommand::Set { key, value } => {
            let key = key.trim();
            let s = api.settings_set(SettingSetInput {
                key: key.to_string(),
                value: parse(key, value)?,
            })?;
            let human = format!("{} is now {}.", s.key, shown(&s.value));
            Ok(Outcome::new(&s, human))
        }
        SettingsCommand::Store { name, currency } => {
            let s = if name.is_none() && currency.is_none() {
                api.store_get(NoInput {})?
            } else {
                api.store_update(StoreUpdateInput {
                    name: name.clone(),
                    currency: currency.clone(),
                })?
            };
            let human = store_line(&s);
            Ok(Outcome::new(&s, human))
        }
    }
}
