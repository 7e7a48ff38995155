//! The words of an exported report in the language asked for (the person's, else the store's
//! receipt language): labels, column titles, money with the language's decimal mark, dates.
//! The code writes each label in English through [`Words::t`]; German comes from one table,
//! and a test fails when a label used in the exports has no German.

use kassa_documents::Language;

/// An export's words in one language.
#[derive(Debug, Clone, Copy)]
pub(super) struct Words {
    pub lang: Language,
}

/// Every label of the exports: English, German.
const GERMAN: &[(&str, &str)] = &[
    // Titles, filters and totals.
    ("Sales by", "Umsatz nach"),
    ("Stock", "Bestand"),
    ("Staff activity", "Aktivität der Mitarbeiter"),
    ("Bookings", "Buchungen"),
    ("Card payments", "Kartenzahlungen"),
    ("Period", "Zeitraum"),
    ("Grouped by", "Gruppiert nach"),
    ("Currency", "Währung"),
    ("Data as of last sync", "Datenstand"),
    ("As of", "Stand"),
    ("Balances due as of", "Offene Restzahlungen am"),
    ("Orders", "Bestellungen"),
    ("Gross", "Brutto"),
    ("Discounts", "Rabatte"),
    ("Tax", "Steuer"),
    ("Cash rounding", "Bargeldrundung"),
    ("Refunds", "Erstattungen"),
    ("Refunded", "Erstattet"),
    ("Voids", "Stornos"),
    ("Net", "Netto"),
    ("Paid by", "Bezahlt mit"),
    ("Net by", "Netto mit"),
    ("Cost", "Einkauf"),
    ("Margin", "Marge"),
    ("Net sales", "Nettoumsatz"),
    ("Slow movers", "Ladenhüter"),
    ("no sale in {days} days", "kein Verkauf seit {days} Tagen"),
    ("Units", "Stück"),
    ("Value at cost", "Wert zum Einkaufspreis"),
    ("Items without cost", "Artikel ohne Einkaufspreis"),
    ("Low stock", "Niedriger Bestand"),
    (
        "Value at cost per location",
        "Wert zum Einkaufspreis je Lagerort",
    ),
    ("People", "Personen"),
    ("Sales", "Umsatz"),
    ("Overrides", "Freigaben"),
    ("Sales per person", "Umsatz je Person"),
    ("Bookings made", "Neue Buchungen"),
    ("Seats", "Plätze"),
    ("Value booked", "Buchungswert"),
    ("Deposits taken", "Anzahlungen erhalten"),
    ("Balances taken", "Restzahlungen erhalten"),
    ("Money taken", "Eingenommen"),
    ("Cancellations", "Stornierungen"),
    ("Fees kept", "Einbehaltene Gebühren"),
    ("Fees owed", "Offene Gebühren"),
    ("Balances due", "Offene Restzahlungen"),
    ("Overdue", "Überfällig"),
    ("Value booked per trip", "Buchungswert je Reise"),
    ("Amount", "Betrag"),
    ("Captured", "Belastet"),
    ("Pending offline", "Offline ausstehend"),
    ("Declined", "Abgelehnt"),
    ("payments", "Zahlungen"),
    ("Offline exposure", "Offline-Risiko"),
    ("Offline limit", "Offline-Grenze"),
    ("Offline left", "Offline verbleibend"),
    ("Oldest pending", "Älteste ausstehende"),
    ("none", "keine"),
    ("Card payments by status", "Kartenzahlungen nach Stand"),
    ("never synced", "nie synchronisiert"),
    ("made", "erstellt"),
    ("{from} to {to}", "{from} bis {to}"),
    // Grouping and tenders.
    ("product", "Produkt"),
    ("category", "Kategorie"),
    ("staff", "Mitarbeiter"),
    ("tender", "Zahlungsart"),
    ("customer", "Kunde"),
    ("device", "Gerät"),
    ("hour", "Stunde"),
    ("day", "Tag"),
    ("week", "Woche"),
    ("month", "Monat"),
    ("group", "Gruppe"),
    ("cash", "Bar"),
    ("card", "Karte"),
    ("voucher", "Gutschein"),
    ("store_credit", "Guthaben"),
    // Table sections and details.
    ("location", "Lagerort"),
    ("low", "niedrig"),
    ("slow", "Ladenhüter"),
    ("threshold", "Schwelle"),
    ("never sold", "nie verkauft"),
    ("last sold", "zuletzt verkauft"),
    ("status", "Stand"),
    ("brand", "Marke"),
    ("pending", "ausstehend"),
    ("declined", "abgelehnt"),
    ("captured", "belastet"),
    ("offline_pending", "offline ausstehend"),
    ("ending", "endet auf"),
    ("(no brand)", "(keine Marke)"),
    // Commissions.
    ("Commissions", "Provisionen"),
    ("Commission statement", "Provisionsabrechnung"),
    ("Person", "Person"),
    ("Entries", "Einträge"),
    ("Earned", "Verdient"),
    ("Reversed", "Zurückgebucht"),
    ("Net commission per person", "Nettoprovision je Person"),
    ("earned", "verdient"),
    ("card declined", "Karte abgelehnt"),
    ("reversed", "zurückgebucht"),
    ("booking", "Buchung"),
    ("sale", "Verkauf"),
    ("(no category)", "(keine Kategorie)"),
    ("(no customer)", "(kein Kunde)"),
    ("trip", "Reise"),
    ("person", "Person"),
    ("departure", "Abfahrt"),
    ("cancellation", "Stornierung"),
    ("due", "fällig"),
    ("OVERDUE", "ÜBERFÄLLIG"),
    ("cancelled", "storniert"),
    ("capacity", "Kapazität"),
    ("load", "Auslastung"),
    ("by", "von"),
    ("quote", "Angebot"),
    ("held", "reserviert"),
    ("confirmed", "bestätigt"),
    ("paid", "bezahlt"),
    ("completed", "abgeschlossen"),
    ("expired", "abgelaufen"),
    ("cashier", "Kassierer"),
    ("agent", "Reisebüro"),
    ("manager", "Filialleitung"),
    ("admin", "Administration"),
];

/// Each column of the export tables: its key (the CSV header, for spreadsheets), its title
/// in English and in German (the PDF's).
const COLUMNS: &[(&str, &str, &str)] = &[
    ("key", "Key", "Schlüssel"),
    ("product", "Product", "Produkt"),
    ("category", "Category", "Kategorie"),
    ("staff", "Staff", "Mitarbeiter"),
    ("tender", "Tender", "Zahlungsart"),
    ("customer", "Customer", "Kunde"),
    ("device", "Device", "Gerät"),
    ("hour", "Hour", "Stunde"),
    ("day", "Day", "Tag"),
    ("week", "Week", "Woche"),
    ("month", "Month", "Monat"),
    ("group", "Group", "Gruppe"),
    ("orders", "Orders", "Bestellungen"),
    ("quantity", "Quantity", "Menge"),
    ("gross", "Gross", "Brutto"),
    ("discount", "Discount", "Rabatt"),
    ("discounts", "Discounts", "Rabatte"),
    ("tax", "Tax", "Steuer"),
    ("refunds", "Refunds", "Erstattungen"),
    ("refunded", "Refunded", "Erstattet"),
    ("net", "Net", "Netto"),
    ("cost", "Cost", "Einkauf"),
    ("margin", "Margin", "Marge"),
    ("section", "Section", "Bereich"),
    ("name", "Name", "Name"),
    ("sku", "SKU", "Artikelnr."),
    ("units", "Units", "Stück"),
    ("value", "Value", "Wert"),
    ("note", "Note", "Hinweis"),
    ("role", "Role", "Rolle"),
    ("sales", "Sales", "Umsatz"),
    ("voids", "Voids", "Stornos"),
    ("voided", "Voided", "Storniert"),
    ("drawer opens", "Drawer opens", "Schubladenöffnungen"),
    ("overrides", "Overrides", "Freigaben"),
    ("approvals", "Approvals", "Genehmigungen"),
    ("item", "Item", "Posten"),
    ("detail", "Detail", "Angaben"),
    ("bookings", "Bookings", "Buchungen"),
    ("seats", "Seats", "Plätze"),
    ("seats left", "Seats left", "Freie Plätze"),
    ("amount", "Amount", "Betrag"),
    ("taken", "Taken", "Eingenommen"),
    ("fee", "Fee", "Gebühr"),
    ("kept", "Kept", "Einbehalten"),
    ("owed", "Owed", "Offen"),
    ("contact", "Contact", "Kontakt"),
    ("payments", "Payments", "Zahlungen"),
    ("captured", "Captured", "Belastet"),
    ("pending", "Pending", "Ausstehend"),
    ("declined", "Declined", "Abgelehnt"),
    ("age hours", "Age (hours)", "Alter (Stunden)"),
    ("date", "Date", "Datum"),
    ("source", "Source", "Quelle"),
    ("reference", "Reference", "Referenz"),
    ("entry", "Entry", "Eintrag"),
    ("receipt", "Receipt", "Beleg"),
    ("base", "Base", "Basis"),
    ("rate", "Rate", "Satz"),
    ("commission", "Commission", "Provision"),
    ("person", "Person", "Person"),
    ("entries", "Entries", "Einträge"),
    ("earned", "Earned", "Verdient"),
    ("reversed", "Reversed", "Zurückgebucht"),
];

impl Words {
    /// The words of `code` (`de`, `de-AT`...: German; anything else English).
    pub fn of(code: &str) -> Words {
        Words {
            lang: Language::from_code(code),
        }
    }

    /// A label written in English, in this language; a word the table does not hold (a
    /// tender or status added later) stays as it is.
    pub fn t<'a>(&self, en: &'a str) -> &'a str {
        match self.lang {
            Language::En => en,
            Language::De => GERMAN
                .iter()
                .find(|(e, _)| *e == en)
                .map_or(en, |(_, de)| de),
        }
    }

    /// A column's title for people (the PDF); the key itself when the table lacks it.
    pub fn column<'a>(&self, key: &'a str) -> &'a str {
        COLUMNS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map_or(key, |(_, en, de)| match self.lang {
                Language::En => en,
                Language::De => de,
            })
    }

    /// Minor units as people of this language write them: `1234.50`, `1234,50`.
    pub fn money(&self, minor: i64, exponent: u8) -> String {
        self.lang.labels().amount(minor, exponent)
    }

    /// A date (`YYYY-MM-DD`, or the date of a timestamp) as people of this language write
    /// it; text that is no date stays as it is.
    pub fn date(&self, text: &str) -> String {
        let Some(day) = text
            .get(..10)
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        else {
            return text.to_string();
        };
        let rest = &text[10..];
        let day = match self.lang {
            Language::En => day.format("%Y-%m-%d").to_string(),
            Language::De => day.format("%d.%m.%Y").to_string(),
        };
        // A timestamp keeps its time of day, minutes shown.
        match rest.strip_prefix('T').and_then(|r| r.get(..5)) {
            Some(time) => format!("{day} {time}"),
            None if rest.is_empty() => day,
            None => format!("{day}{rest}"),
        }
    }

    /// A period: "2026-11-01 to 2026-11-30", "01.11.2026 bis 30.11.2026".
    pub fn period(&self, from: &str, to: &str) -> String {
        self.t("{from} to {to}")
            .replace("{from}", &self.date(from))
            .replace("{to}", &self.date(to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The export code: every label and column key is in it.
    const SOURCES: [&str; 3] = [
        include_str!("../reports.rs"),
        include_str!("bookings.rs"),
        include_str!("commissions.rs"),
    ];

    /// Every `w.t("…")` of the export code.
    fn labels() -> Vec<String> {
        let mut found = Vec::new();
        for src in SOURCES {
            let mut rest = src;
            while let Some(at) = rest.find("w.t(\"") {
                rest = &rest[at + 5..];
                if let Some(end) = rest.find('"') {
                    found.push(rest[..end].to_string());
                }
            }
        }
        found
    }

    /// Every column key of the export tables: `("key", true)` or `("key", false)`.
    fn column_keys() -> Vec<String> {
        let mut found = Vec::new();
        for src in SOURCES {
            for line in src.lines().map(str::trim) {
                let Some(inner) = line
                    .strip_prefix("(\"")
                    .and_then(|l| l.strip_suffix("),").or(l.strip_suffix(')')))
                else {
                    continue;
                };
                if let Some((key, flag)) = inner.split_once("\", ")
                    && (flag == "true" || flag == "false")
                {
                    found.push(key.to_string());
                }
            }
        }
        found
    }

    #[test]
    fn every_label_of_the_exports_has_its_german() {
        let labels = labels();
        assert!(labels.len() > 40, "the labels are found: {labels:?}");
        for l in &labels {
            assert!(
                GERMAN.iter().any(|(en, _)| en == l),
                "the export label '{l}' has no German"
            );
        }
        let keys = column_keys();
        assert!(keys.len() > 40, "the column keys are found: {keys:?}");
        for key in keys {
            assert!(
                COLUMNS.iter().any(|(k, _, _)| *k == key),
                "the column '{key}' has no titles"
            );
        }
    }

    #[test]
    fn money_and_dates_follow_the_language() {
        let (en, de) = (Words::of("en"), Words::of("de-AT"));
        assert_eq!(en.money(123_450, 2), "1234.50");
        assert_eq!(de.money(123_450, 2), "1234,50");
        assert_eq!(
            de.period("2026-11-01", "2026-11-30"),
            "01.11.2026 bis 30.11.2026"
        );
        assert_eq!(
            en.period("2026-11-01", "2026-11-30"),
            "2026-11-01 to 2026-11-30"
        );
        assert_eq!(de.date("2026-12-04T17:59:01.123Z"), "04.12.2026 17:59");
        assert_eq!(de.date("Lake Constance"), "Lake Constance");
        assert_eq!(de.column("seats left"), "Freie Plätze");
        assert_eq!(en.column("age hours"), "Age (hours)");
        assert_eq!(de.t("a tender added later"), "a tender added later");
    }
}
