//! What a receipt says: the facts of one sale or refund, and the words in the store's language.

use kassa_domain::money::Currency;
use serde::{Deserialize, Serialize};

/// A sale, or a refund of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    Sale,
    Refund,
}

/// One line of goods or services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLine {
    pub name: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    /// Line and order discount together (positive).
    pub discount_minor: i64,
    /// What the customer pays for the line.
    pub total_minor: i64,
    /// The tax letter of the line's rate (`A`, `B`...), matching [`ReceiptTax::letter`].
    pub tax_letter: char,
}

/// Tax at one rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptTax {
    pub letter: char,
    pub rate_bp: u32,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub gross_minor: i64,
}

/// How it was paid (or refunded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptTender {
    /// "Cash", "Card", "Voucher" in the store's language.
    pub label: String,
    pub amount_minor: i64,
    /// E.g. "VISA •••• 4242" or "authorised offline — pending".
    pub detail: Option<String>,
}

/// A language receipts are printed in; its code (`en`, `de`) in documents carried as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    En,
    De,
}

impl Language {
    /// The language of a code such as `de` or `de-AT`; English for anything else.
    pub fn from_code(code: &str) -> Language {
        if code.trim().to_ascii_lowercase().starts_with("de") {
            Language::De
        } else {
            Language::En
        }
    }

    /// The language's code: `en` or `de`.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::De => "de",
        }
    }

    /// The receipt's words in this language.
    pub fn labels(self) -> &'static Labels {
        match self {
            Language::En => &Labels::EN,
            Language::De => &Labels::DE,
        }
    }
}

/// The words printed on a receipt, in the store's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    pub language: Language,
    pub sale: &'static str,
    pub refund: &'static str,
    pub staff: &'static str,
    pub device: &'static str,
    pub customer: &'static str,
    pub subtotal: &'static str,
    pub discount: &'static str,
    pub total: &'static str,
    pub rounding: &'static str,
    pub change: &'static str,
    pub tax: &'static str,
    pub rate: &'static str,
    pub net: &'static str,
    pub gross: &'static str,
    pub of_refund: &'static str,
    /// The decimal separator.
    pub decimal: char,
    /// Tender names.
    pub cash: &'static str,
    pub card: &'static str,
    pub voucher: &'static str,
    /// A card payment the provider has not confirmed yet.
    pub card_pending: &'static str,
    /// A card refund the provider has not paid back yet.
    pub refund_pending: &'static str,
    /// A card refund the provider refused: paid back another way.
    pub refund_failed: &'static str,
    /// A refund of a card the provider declined: nothing goes back to the card.
    pub refund_not_charged: &'static str,
    /// How a date and time are printed (chrono's format).
    pub date_time_format: &'static str,
}

impl Labels {
    /// English words, decimal point.
    pub const EN: Labels = Labels {
        sale: "Receipt",
        refund: "Refund",
        staff: "Served by",
        device: "Till",
        customer: "Customer",
        subtotal: "Subtotal",
        discount: "Discount",
        total: "TOTAL",
        rounding: "Rounding",
        change: "Change",
        tax: "VAT",
        rate: "Rate",
        net: "Net",
        gross: "Gross",
        of_refund: "Refund of receipt",
        decimal: '.',
        language: Language::En,
        cash: "Cash",
        card: "Card",
        voucher: "Voucher",
        card_pending: "authorised offline, pending",
        refund_pending: "to the card, pending",
        refund_failed: "refused by the card provider, paid back another way",
        refund_not_charged: "not charged: the card was declined",
        date_time_format: "%Y-%m-%d %H:%M",
    };

    /// German words, decimal comma.
    pub const DE: Labels = Labels {
        sale: "Beleg",
        refund: "Erstattung",
        staff: "Bedient von",
        device: "Kasse",
        customer: "Kunde",
        subtotal: "Zwischensumme",
        discount: "Rabatt",
        total: "SUMME",
        rounding: "Rundung",
        change: "Rückgeld",
        tax: "MwSt",
        rate: "Satz",
        net: "Netto",
        gross: "Brutto",
        of_refund: "Erstattung zu Beleg",
        decimal: ',',
        language: Language::De,
        cash: "Bar",
        card: "Karte",
        voucher: "Gutschein",
        card_pending: "offline autorisiert, Bestätigung ausstehend",
        refund_pending: "auf die Karte, ausstehend",
        refund_failed: "vom Kartenanbieter abgelehnt, anders erstattet",
        refund_not_charged: "nicht belastet: die Karte wurde abgelehnt",
        date_time_format: "%d.%m.%Y %H:%M",
    };

    /// Minor units of a currency with `exponent` decimals as text in this language's style:
    /// `12.34` or `12,34`.
    pub fn amount(&self, minor: i64, exponent: u8) -> String {
        let plain = kassa_domain::money::format_minor(minor, exponent);
        if self.decimal == '.' {
            plain
        } else {
            plain.replace('.', &self.decimal.to_string())
        }
    }

    /// The words for a language code (`de`, else English).
    pub fn for_language(lang: &str) -> &'static Labels {
        Language::from_code(lang).labels()
    }

    /// The printed name of a tender kind (`cash`, `card`, `voucher`).
    pub fn tender(&self, kind: &str) -> &'static str {
        match kind {
            "cash" => self.cash,
            "card" => self.card,
            _ => self.voucher,
        }
    }
}

/// One receipt, everything it prints. As JSON (the server renders an emailed receipt's PDF
/// from it) the currency is its ISO code and the words are the language's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub kind: ReceiptKind,
    pub store_name: String,
    /// Address, phone, tax number: printed under the store's name.
    pub header_lines: Vec<String>,
    /// The receipt (or refund) number; also printed as a barcode.
    pub number: String,
    /// For a refund, the number of the sale it refunds.
    pub refers_to: Option<String>,
    /// Local date and time, already formatted.
    pub date_time: String,
    pub staff_name: String,
    pub device_code: String,
    pub customer: Option<String>,
    #[serde(with = "currency_code")]
    pub currency: Currency,
    pub lines: Vec<ReceiptLine>,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
    /// Cash rounding (0 when none).
    pub rounding_minor: i64,
    pub taxes: Vec<ReceiptTax>,
    pub tenders: Vec<ReceiptTender>,
    pub change_minor: i64,
    pub footer_lines: Vec<String>,
    #[serde(rename = "language", with = "labels_language")]
    pub labels: &'static Labels,
}

/// A currency as its ISO 4217 code.
mod currency_code {
    use kassa_domain::money::Currency;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(c: &Currency, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(c.code())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Currency, D::Error> {
        let code = String::deserialize(d)?;
        Currency::from_code(&code).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Language {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Language {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Language::from_code(&String::deserialize(d)?))
    }
}

/// A receipt's words as the code of their language.
mod labels_language {
    use super::{Labels, Language};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(l: &&'static Labels, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(l.language.code())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<&'static Labels, D::Error> {
        let code = String::deserialize(d)?;
        Ok(Language::from_code(&code).labels())
    }
}

impl Receipt {
    /// Minor units as text in the store's style: `12.34` or `12,34`.
    pub fn amount(&self, minor: i64) -> String {
        self.labels.amount(minor, self.currency.exponent())
    }

    /// A rate in basis points as `19%` or `7.7%` (`7,7%`).
    pub fn rate(&self, bp: u32) -> String {
        let whole = bp / 100;
        let frac = bp % 100;
        let text = if frac == 0 {
            format!("{whole}%")
        } else if frac.is_multiple_of(10) {
            format!("{whole}.{}%", frac / 10)
        } else {
            format!("{whole}.{frac:02}%")
        };
        if self.labels.decimal == '.' {
            text
        } else {
            text.replace('.', ",")
        }
    }

    /// The title: "Receipt" or "Refund".
    pub fn title(&self) -> &'static str {
        match self.kind {
            ReceiptKind::Sale => self.labels.sale,
            ReceiptKind::Refund => self.labels.refund,
        }
    }
}
