//! Store settings: every setting Kassa knows, its type, default and bounds, in one table.
//!
//! The store keeps only the values people changed; everything else is the default here.

use crate::error::{Error, Result};
use crate::role::Permission;

/// A setting's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValue {
    Int(i64),
    Bool(bool),
    Text(String),
}

impl SettingValue {
    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            SettingValue::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// The flag, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            SettingValue::Bool(v) => Some(*v),
            _ => None,
        }
    }

    /// The text, if this is one.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            SettingValue::Text(v) => Some(v),
            _ => None,
        }
    }
}

/// The type and bounds of a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    /// A whole number between `min` and `max` inclusive.
    Int {
        default: i64,
        min: i64,
        max: i64,
    },
    Bool {
        default: bool,
    },
    /// Text of at most `max_chars` characters.
    Text {
        default: &'static str,
        max_chars: usize,
    },
}

/// What a whole-number setting counts, so a screen can show it as people read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingUnit {
    /// Minor units of the store's currency (keys ending in `_minor`).
    Money,
    /// Basis points, 1/100 of a percent (keys ending in `_bp`).
    BasisPoints,
}

/// One setting Kassa knows.
#[derive(Debug, Clone, Copy)]
pub struct SettingDef {
    /// Dotted key, grouped by topic: `security.idle_lock_minutes`.
    pub key: &'static str,
    pub kind: SettingKind,
    /// What changing it needs.
    pub permission: Permission,
    /// What it means, for the settings screen.
    pub describe: &'static str,
}

impl SettingDef {
    /// The value a store has until someone changes it.
    pub fn default_value(&self) -> SettingValue {
        match self.kind {
            SettingKind::Int { default, .. } => SettingValue::Int(default),
            SettingKind::Bool { default } => SettingValue::Bool(default),
            SettingKind::Text { default, .. } => SettingValue::Text(default.to_string()),
        }
    }

    /// What a whole-number setting counts, by the project's naming rule: money is kept in
    /// `_minor` keys and rates in `_bp` keys; other numbers (days, minutes) have no unit.
    pub fn unit(&self) -> Option<SettingUnit> {
        match self.kind {
            SettingKind::Int { .. } if self.key.ends_with("_minor") => Some(SettingUnit::Money),
            SettingKind::Int { .. } if self.key.ends_with("_bp") => Some(SettingUnit::BasisPoints),
            _ => None,
        }
    }

    /// The topic: the key up to its first dot.
    pub fn topic(&self) -> &'static str {
        self.key.split('.').next().unwrap_or(self.key)
    }

    /// The group the settings screen shows it in: by what a manager looks for (the store,
    /// receipts, payments and cash, discounts and refunds, stock, security, reports), not by
    /// the key's topic. A key no group names falls back to its topic.
    pub fn group(&self) -> &'static str {
        match self.key {
            "sell.cash_rounding_minor" => "payments",
            "sell.max_discount_bp" | "sell.refund_limit_minor" => "selling",
            COMMISSIONS_DEFAULT_BP | BOOKINGS_REMINDER_DAYS | ALLOTMENT_RELEASE_DAYS => "bookings",
            POLICY_DEPOSIT
            | POLICY_BALANCE_DUE_DAYS
            | POLICY_CANCELLATION
            | POLICY_HOLD_MINUTES => "booking_policies",
            PRINTER_TARGET => "receipts",
            _ => match self.topic() {
                "store" => "store",
                "receipt" => "receipts",
                "payments" => "payments",
                "stock" => "stock",
                "security" => "security",
                "reports" => "reports",
                other => other,
            },
        }
    }

    /// The only values a text setting may take, when it is a choice (the receipt language).
    pub fn choices(&self) -> Option<&'static [&'static str]> {
        match self.key {
            RECEIPT_LANGUAGE => Some(LANGUAGES),
            _ => None,
        }
    }

    /// Checks `value` against the setting's type and bounds.
    pub fn validate(&self, value: SettingValue) -> Result<SettingValue> {
        match (self.kind, value) {
            (SettingKind::Int { min, max, .. }, SettingValue::Int(v)) => {
                if (min..=max).contains(&v) {
                    Ok(SettingValue::Int(v))
                } else {
                    Err(Error::invalid_input(format!(
                        "{} must be between {min} and {max}",
                        self.key
                    )))
                }
            }
            (SettingKind::Bool { .. }, SettingValue::Bool(v)) => Ok(SettingValue::Bool(v)),
            (SettingKind::Text { max_chars, .. }, SettingValue::Text(v)) => {
                if v.chars().count() > max_chars {
                    Err(Error::invalid_input(format!(
                        "{} is longer than {max_chars} characters",
                        self.key
                    )))
                } else if v.chars().any(|c| c.is_control() && c != '\n') {
                    Err(Error::invalid_input(format!(
                        "{} contains control characters",
                        self.key
                    )))
                } else if self.key == PRINTER_TARGET {
                    printer_target(&v)?;
                    Ok(SettingValue::Text(v.trim().to_string()))
                } else if self.key == STORE_TIME_ZONE {
                    crate::business_day::check_time_zone_name(v.trim())?;
                    Ok(SettingValue::Text(v.trim().to_string()))
                } else if let Some(choices) = self.choices() {
                    let v = v.trim().to_ascii_lowercase();
                    if choices.contains(&v.as_str()) {
                        Ok(SettingValue::Text(v))
                    } else {
                        Err(Error::invalid_input(format!(
                            "{} must be one of: {}",
                            self.key,
                            choices.join(", ")
                        )))
                    }
                } else if self.key == POLICY_DEPOSIT {
                    let share = crate::booking::Share::parse(&v)?;
                    Ok(SettingValue::Text(share.to_text()))
                } else if self.key == POLICY_CANCELLATION {
                    let table = crate::booking::FeeTable::parse(&v)?;
                    Ok(SettingValue::Text(table.to_text()))
                } else if self.key == STORE_DAY_CUTOFF {
                    let minutes = crate::business_day::parse_cutoff(&v)?;
                    Ok(SettingValue::Text(format!(
                        "{:02}:{:02}",
                        minutes / 60,
                        minutes % 60
                    )))
                } else {
                    Ok(SettingValue::Text(v))
                }
            }
            _ => Err(Error::invalid_input(format!(
                "{} has the wrong type of value",
                self.key
            ))),
        }
    }
}

/// Every setting, grouped by topic. Add new settings here; keys never change meaning.
pub const SETTINGS: &[SettingDef] = &[
    SettingDef {
        key: STORE_TIME_ZONE,
        kind: SettingKind::Text {
            default: "",
            max_chars: 64,
        },
        permission: Permission::Settings,
        describe: "The store's time zone, e.g. Europe/Berlin: business days and report hours follow it (empty: this device's zone)",
    },
    SettingDef {
        key: STORE_ADDRESS,
        kind: SettingKind::Text {
            default: "",
            max_chars: 300,
        },
        permission: Permission::Settings,
        describe: "The store's postal address, one line each (street, postcode and town, country)",
    },
    SettingDef {
        key: STORE_DAY_CUTOFF,
        kind: SettingKind::Text {
            default: "00:00",
            max_chars: 5,
        },
        permission: Permission::Settings,
        describe: "When the business day ends (HH:MM, at most 12:00): a sale at 01:30 with 02:00 counts for the day before",
    },
    SettingDef {
        key: "security.idle_lock_minutes",
        kind: SettingKind::Int {
            default: crate::policy::IDLE_LOCK_MINUTES,
            min: 1,
            max: crate::policy::IDLE_LOCK_MINUTES,
        },
        permission: Permission::Settings,
        describe: "Minutes without use after which a session locks (at most 15)",
    },
    SettingDef {
        key: "security.invitation_valid_hours",
        kind: SettingKind::Int {
            default: crate::policy::INVITATION_VALID_HOURS,
            min: 1,
            max: crate::policy::INVITATION_VALID_HOURS,
        },
        permission: Permission::Settings,
        describe: "Hours an invitation or a new-authenticator code stays valid (at most 72)",
    },
    SettingDef {
        key: "stock.allow_negative",
        kind: SettingKind::Bool { default: false },
        permission: Permission::Settings,
        describe: "Allow selling and moving stock below zero (a product may say otherwise)",
    },
    SettingDef {
        key: "stock.low_threshold_default",
        kind: SettingKind::Int {
            default: 5,
            min: 0,
            max: 1_000_000,
        },
        permission: Permission::Settings,
        describe: "Available quantity at or below which an item shows as low, unless the item has its own",
    },
    SettingDef {
        key: "stock.expiry_warning_days",
        kind: SettingKind::Int {
            default: 7,
            min: 0,
            max: 365,
        },
        permission: Permission::Settings,
        describe: "Days before a batch's expiry date at which it shows as expiring",
    },
    SettingDef {
        key: "sell.cash_rounding_minor",
        kind: SettingKind::Int {
            default: 0,
            min: 0,
            max: 100_000,
        },
        permission: Permission::Settings,
        describe: "Round cash totals to this many minor units (0: the currency's usual coin, e.g. 5 for CHF)",
    },
    SettingDef {
        key: "sell.max_discount_bp",
        kind: SettingKind::Int {
            default: 1_000,
            min: 0,
            max: 10_000,
        },
        permission: Permission::Settings,
        describe: "Largest discount, in basis points of the price (1000 = 10 %), a cashier may give without a manager",
    },
    SettingDef {
        key: BOOKINGS_REMINDER_DAYS,
        kind: SettingKind::Int {
            default: 7,
            min: 0,
            max: 60,
        },
        permission: Permission::Settings,
        describe: "Days before a booking's balance falls due that the customer is emailed a reminder (0: none)",
    },
    SettingDef {
        key: ALLOTMENT_RELEASE_DAYS,
        kind: SettingKind::Int {
            default: 7,
            min: 0,
            max: 365,
        },
        permission: Permission::Settings,
        describe: "Days before a departure that seats a device holds and has not sold go back to the pool (0: on the day)",
    },
    SettingDef {
        key: POLICY_DEPOSIT,
        kind: SettingKind::Text {
            default: "20%",
            max_chars: 16,
        },
        permission: Permission::Settings,
        describe: "The deposit new trips ask for: a percentage of the booking's total (20%) or a fixed amount in minor units",
    },
    SettingDef {
        key: POLICY_BALANCE_DUE_DAYS,
        kind: SettingKind::Int {
            default: 30,
            min: 0,
            max: 365,
        },
        permission: Permission::Settings,
        describe: "Days before departure that the balance of a new trip's bookings falls due",
    },
    SettingDef {
        key: POLICY_CANCELLATION,
        kind: SettingKind::Text {
            default: "0:100%,10:50%,30:25%,60:0%",
            max_chars: 400,
        },
        permission: Permission::Settings,
        describe: "The cancellation fees new trips start from, by days before departure (60:0%,30:25%,10:50%,0:100%)",
    },
    SettingDef {
        key: POLICY_HOLD_MINUTES,
        kind: SettingKind::Int {
            default: 1440,
            min: 1,
            max: 43_200,
        },
        permission: Permission::Settings,
        describe: "Minutes a new trip's held booking keeps its seats before it expires",
    },
    SettingDef {
        key: COMMISSIONS_DEFAULT_BP,
        kind: SettingKind::Int {
            default: 0,
            min: 0,
            max: 10_000,
        },
        permission: Permission::Settings,
        describe: "Booking agents' commission, in basis points of the money received (500 = 5 %), when neither the trip nor the agent has a rate (0: none)",
    },
    SettingDef {
        key: "sell.refund_limit_minor",
        kind: SettingKind::Int {
            default: 5_000,
            min: 0,
            max: 100_000_000,
        },
        permission: Permission::Settings,
        describe: "Largest refund, in minor units, a cashier may give without a manager",
    },
    SettingDef {
        key: "payments.offline_card_max_minor",
        kind: SettingKind::Int {
            default: 15_000,
            min: 0,
            max: 100_000_000,
        },
        permission: Permission::Settings,
        describe: "Largest card payment taken while the card provider cannot be reached",
    },
    SettingDef {
        key: "payments.offline_card_exposure_minor",
        kind: SettingKind::Int {
            default: 100_000,
            min: 0,
            max: 1_000_000_000,
        },
        permission: Permission::Settings,
        describe: "Largest total of offline card payments still waiting for the provider",
    },
    SettingDef {
        key: "payments.offline_card_max_age_hours",
        kind: SettingKind::Int {
            default: 48,
            min: 1,
            max: 168,
        },
        permission: Permission::Settings,
        describe: "Hours an offline card payment may wait for the provider before no more are taken offline",
    },
    SettingDef {
        key: "payments.card_alarm_hours",
        kind: SettingKind::Int {
            default: 20,
            min: 1,
            max: 168,
        },
        permission: Permission::Settings,
        describe: "Hours after which an offline card payment still waiting for the provider raises an alarm",
    },
    SettingDef {
        key: "receipt.header",
        kind: SettingKind::Text {
            default: "",
            max_chars: 300,
        },
        permission: Permission::Settings,
        describe: "Lines under the store's name on receipts: address, phone, tax number",
    },
    SettingDef {
        key: "receipt.footer",
        kind: SettingKind::Text {
            default: "Thank you for your visit!",
            max_chars: 300,
        },
        permission: Permission::Settings,
        describe: "Lines at the end of receipts: return policy, greeting",
    },
    SettingDef {
        key: RECEIPT_LANGUAGE,
        kind: SettingKind::Text {
            default: "en",
            max_chars: 5,
        },
        permission: Permission::Settings,
        describe: "Language of printed receipts: en or de",
    },
    SettingDef {
        key: REPORTS_SLOW_MOVER_DAYS,
        kind: SettingKind::Int {
            default: 30,
            min: 1,
            max: 3650,
        },
        permission: Permission::Settings,
        describe: "Days without a sale after which an item still in stock shows as a slow mover",
    },
    SettingDef {
        key: PRINTER_TARGET,
        kind: SettingKind::Text {
            default: "",
            max_chars: 200,
        },
        permission: Permission::ManageDevices,
        describe: "This till's receipt printer: a device such as /dev/usb/lp0, or tcp://192.168.1.50:9100 (empty: the system print dialog)",
    },
];

/// The store's time zone (a time zone database name; empty: the device's own).
pub const STORE_TIME_ZONE: &str = "store.time_zone";

/// The language receipts and customer documents are written in (one of [`LANGUAGES`]).
pub const RECEIPT_LANGUAGE: &str = "receipt.language";

/// The languages Kassa speaks, by their ISO 639-1 codes.
pub const LANGUAGES: &[&str] = &["en", "de"];

/// The store's postal address (lines separated by newlines).
pub const STORE_ADDRESS: &str = "store.address";

/// The groups of the settings screen, in the order it shows them (see [`SettingDef::group`]).
pub const GROUPS: &[&str] = &[
    "store",
    "receipts",
    "payments",
    "selling",
    "bookings",
    "booking_policies",
    "stock",
    "security",
    "reports",
];

/// The deposit rule new trips start from (a [`crate::booking::Share`] as text).
pub const POLICY_DEPOSIT: &str = "bookings.policy.deposit";

/// Days before departure a new trip's balance falls due.
pub const POLICY_BALANCE_DUE_DAYS: &str = "bookings.policy.balance_due_days";

/// The cancellation fees new trips start from (a [`crate::booking::FeeTable`] as text).
pub const POLICY_CANCELLATION: &str = "bookings.policy.cancellation";

/// How long a new trip's hold lasts, in minutes.
pub const POLICY_HOLD_MINUTES: &str = "bookings.policy.hold_minutes";

/// Days before a booking's balance falls due that its customer is sent a reminder; 0 is off.
pub const BOOKINGS_REMINDER_DAYS: &str = "bookings.reminder_days";

/// Calendar days before a departure (in its time zone) that the seats a device holds as an
/// allotment and has not sold go back to the pool: the device stops selling them at the start
/// of that day and returns them at its next sync.
pub const ALLOTMENT_RELEASE_DAYS: &str = "bookings.allotment_release_days";

/// When the store's business day ends, `HH:MM` after midnight.
pub const STORE_DAY_CUTOFF: &str = "store.day_cutoff";

/// The store's default commission rate for booking agents, in basis points; 0 is off.
pub const COMMISSIONS_DEFAULT_BP: &str = "commissions.default_bp";

/// Days without a sale after which an item in stock is a slow mover.
pub const REPORTS_SLOW_MOVER_DAYS: &str = "reports.slow_mover_days";

/// The receipt printer's address: set per device, since a printer is plugged into one till.
pub const PRINTER_TARGET: &str = "printer.target";

/// Settings each device keeps for itself (never synced); every other setting is the store's.
pub const DEVICE_SETTINGS: &[&str] = &[PRINTER_TARGET];

/// Where receipts are printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterTarget {
    /// No printer: the system print dialog prints the preview.
    None,
    /// A printer device file such as `/dev/usb/lp0`.
    Device(String),
    /// A network printer, `tcp://host:port`.
    Tcp { host: String, port: u16 },
}

/// The device folders a receipt printer shows up as, each followed by its number.
const PRINTER_DEVICES: &[&str] = &[
    "/dev/usb/lp",
    "/dev/lp",
    "/dev/ttyUSB",
    "/dev/ttyACM",
    "/dev/ttyS",
    "/dev/rfcomm",
];

/// Reads a receipt printer's address: empty, a printer device (`/dev/usb/lp0`, `/dev/lp0`,
/// `/dev/ttyUSB0`...) or `tcp://host:port` with the port written out. Anything else, an
/// ordinary file above all, is `invalid_input`: receipts are never written into files.
pub fn printer_target(text: &str) -> Result<PrinterTarget> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(PrinterTarget::None);
    }
    let refuse = || {
        Error::invalid_input(format!(
            "'{text}' is not a receipt printer: give a printer device such as /dev/usb/lp0, /dev/lp0 or /dev/ttyUSB0, or tcp://host:port (e.g. tcp://192.168.1.50:9100)"
        ))
    };
    if let Some(addr) = text.strip_prefix("tcp://") {
        let (host, port) = addr.rsplit_once(':').ok_or_else(refuse)?;
        let port: u16 =
            if !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()) {
                port.parse().map_err(|_| refuse())?
            } else {
                return Err(refuse());
            };
        if port == 0 {
            return Err(refuse());
        }
        let host_ok = if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            !v6.is_empty() && v6.parse::<std::net::Ipv6Addr>().is_ok()
        } else {
            !host.is_empty()
                && host.len() <= 253
                && host.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        };
        if !host_ok {
            return Err(refuse());
        }
        return Ok(PrinterTarget::Tcp {
            host: host.to_string(),
            port,
        });
    }
    let is_device = PRINTER_DEVICES.iter().any(|prefix| {
        text.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit()))
    });
    if is_device {
        Ok(PrinterTarget::Device(text.to_string()))
    } else {
        Err(refuse())
    }
}

/// The definition of `key`, or `invalid_input` naming the unknown key.
pub fn def(key: &str) -> Result<&'static SettingDef> {
    SETTINGS
        .iter()
        .find(|d| d.key == key)
        .ok_or_else(|| Error::invalid_input(format!("there is no setting '{key}'")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_rates_have_their_unit_and_other_numbers_none() {
        let unit = |k: &str| def(k).unwrap().unit();
        assert_eq!(
            unit("payments.offline_card_max_minor"),
            Some(SettingUnit::Money)
        );
        assert_eq!(unit("sell.refund_limit_minor"), Some(SettingUnit::Money));
        assert_eq!(unit("sell.max_discount_bp"), Some(SettingUnit::BasisPoints));
        assert_eq!(unit(COMMISSIONS_DEFAULT_BP), Some(SettingUnit::BasisPoints));
        assert_eq!(unit("security.idle_lock_minutes"), None);
        assert_eq!(unit(RECEIPT_LANGUAGE), None);
    }

    #[test]
    fn a_printer_is_a_printer_device_or_a_tcp_address_with_its_port_never_a_file() {
        for ok in [
            "",
            "/dev/usb/lp0",
            "/dev/lp1",
            "/dev/ttyUSB0",
            "/dev/ttyACM12",
            "tcp://192.168.1.50:9100",
            "tcp://printer.local:9100",
            "tcp://[::1]:9100",
        ] {
            assert!(printer_target(ok).is_ok(), "{ok}");
        }
        for bad in [
            "/tmp/x",
            "../etc/passwd",
            "/etc/passwd",
            "/dev/usb/lp0/../../../etc/passwd",
            "/dev/sda",
            "/dev/lp",
            "/dev/usb/lp0x",
            "lp0",
            "tcp://192.168.1.50",
            "tcp://192.168.1.50:",
            "tcp://192.168.1.50:0",
            "tcp://192.168.1.50:99999",
            "tcp://:9100",
            "tcp://host/path:9100",
            "file:///tmp/x",
            "http://printer:9100",
        ] {
            let err = printer_target(bad).unwrap_err();
            assert_eq!(err.code, crate::ErrorCode::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn keys_are_unique_dotted_and_defaults_are_valid() {
        let mut seen = std::collections::HashSet::new();
        for d in SETTINGS {
            assert!(seen.insert(d.key), "duplicate {}", d.key);
            assert!(d.key.contains('.'), "{} needs a topic", d.key);
            assert!(
                d.validate(d.default_value()).is_ok(),
                "{} default out of bounds",
                d.key
            );
        }
    }

    #[test]
    fn every_setting_belongs_to_a_known_group() {
        for d in SETTINGS {
            assert!(GROUPS.contains(&d.group()), "{} is in no group", d.key);
        }
        assert_eq!(def("sell.cash_rounding_minor").unwrap().group(), "payments");
        assert_eq!(def("sell.max_discount_bp").unwrap().group(), "selling");
        assert_eq!(def(PRINTER_TARGET).unwrap().group(), "receipts");
    }

    #[test]
    fn the_cut_off_is_kept_as_hh_mm_and_the_time_zone_trimmed() {
        let cut = def(STORE_DAY_CUTOFF).unwrap();
        assert_eq!(
            cut.validate(SettingValue::Text("2:00".into())).unwrap(),
            SettingValue::Text("02:00".into())
        );
        assert!(cut.validate(SettingValue::Text("13:00".into())).is_err());
        let tz = def(STORE_TIME_ZONE).unwrap();
        assert_eq!(
            tz.validate(SettingValue::Text(" Europe/Berlin ".into()))
                .unwrap(),
            SettingValue::Text("Europe/Berlin".into())
        );
        assert!(tz.validate(SettingValue::Text("../../etc".into())).is_err());
        let lang = def(RECEIPT_LANGUAGE).unwrap();
        assert_eq!(
            lang.validate(SettingValue::Text(" DE ".into())).unwrap(),
            SettingValue::Text("de".into())
        );
        assert!(lang.validate(SettingValue::Text("fr".into())).is_err());
    }

    #[test]
    fn values_out_of_bounds_or_of_the_wrong_type_are_refused() {
        let d = def("security.idle_lock_minutes").unwrap();
        assert!(d.validate(SettingValue::Int(16)).is_err());
        assert!(d.validate(SettingValue::Int(0)).is_err());
        assert!(d.validate(SettingValue::Bool(true)).is_err());
        assert_eq!(
            d.validate(SettingValue::Int(5)).unwrap(),
            SettingValue::Int(5)
        );
        assert!(def("no.such").is_err());
    }
}
