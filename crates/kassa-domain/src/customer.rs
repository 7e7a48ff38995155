//! Customer rules: what a customer's contact data, tags and addresses may hold.

use crate::catalog::validate_text;
use crate::email::validate_email;
use crate::error::{Error, Result};

/// An address of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// `billing` or `shipping`.
    pub kind: String,
    pub line1: String,
    pub line2: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub is_primary: bool,
}

/// The editable fields of a customer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomerData {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub notes: String,
    pub marketing_consent: bool,
    pub tags: Vec<String>,
    pub addresses: Vec<Address>,
}

/// The most tags one customer has.
pub const MAX_TAGS: usize = 30;
/// The most addresses one customer has.
pub const MAX_ADDRESSES: usize = 10;

/// Checks a phone number: digits with `+ - / ( ) .` and spaces, at least 3 digits.
pub fn validate_phone(s: &str) -> Result<String> {
    let p = s.trim();
    let digits = p.chars().filter(char::is_ascii_digit).count();
    let ok = p.len() <= 40
        && digits >= 3
        && p.chars()
            .all(|c| c.is_ascii_digit() || " +-/().".contains(c));
    if ok {
        Ok(p.to_string())
    } else {
        Err(Error::invalid_input(format!(
            "'{p}' is not a phone number (digits, spaces and + - / ( ) only)"
        )))
    }
}

/// Checks and cleans all fields. The first address becomes primary when none is.
pub fn validate(data: &CustomerData) -> Result<CustomerData> {
    let mut d = data.clone();
    d.name = validate_text(&d.name, "name", 200, true)?;
    d.email = match d.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => Some(validate_email(e)?),
        None => None,
    };
    d.phone = match d.phone.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(p) => Some(validate_phone(p)?),
        None => None,
    };
    d.notes = validate_text(&d.notes, "notes", 4000, false)?;
    let mut tags: Vec<String> = Vec::new();
    for t in &d.tags {
        let t = validate_text(t, "tag", 40, false)?;
        if t.is_empty() || tags.iter().any(|x| x.eq_ignore_ascii_case(&t)) {
            continue;
        }
        if t.contains('|') || t.contains(',') {
            return Err(Error::invalid_input(format!(
                "the tag '{t}' may not contain '|' or ','"
            )));
        }
        tags.push(t);
    }
    if tags.len() > MAX_TAGS {
        return Err(Error::invalid_input(format!(
            "a customer can have at most {MAX_TAGS} tags"
        )));
    }
    d.tags = tags;
    if d.addresses.len() > MAX_ADDRESSES {
        return Err(Error::invalid_input(format!(
            "a customer can have at most {MAX_ADDRESSES} addresses"
        )));
    }
    for a in &mut d.addresses {
        if a.kind != "billing" && a.kind != "shipping" {
            return Err(Error::invalid_input(format!(
                "'{}' is not a kind of address (billing or shipping)",
                a.kind
            )));
        }
        a.line1 = validate_text(&a.line1, "street and number", 200, true)?;
        a.line2 = validate_text(&a.line2, "second address line", 200, false)?;
        a.postal_code = validate_text(&a.postal_code, "postal code", 20, false)?;
        a.city = validate_text(&a.city, "city", 100, false)?;
        a.country = validate_text(&a.country, "country", 60, false)?;
    }
    match d.addresses.iter().filter(|a| a.is_primary).count() {
        0 => {
            if let Some(first) = d.addresses.first_mut() {
                first.is_primary = true;
            }
        }
        1 => {}
        _ => {
            return Err(Error::invalid_input(
                "only one address can be the primary one",
            ));
        }
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn customer(name: &str) -> CustomerData {
        CustomerData {
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_customer_is_cleaned_and_the_first_address_becomes_primary() {
        let mut c = customer("  Nia Jones ");
        c.email = Some(" nia@example.com ".into());
        c.phone = Some("   ".into());
        c.tags = vec!["vip".into(), "VIP".into(), " ".into()];
        c.addresses = vec![Address {
            kind: "billing".into(),
            line1: "Hauptstraße 12".into(),
            line2: String::new(),
            postal_code: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
            is_primary: false,
        }];
        let d = validate(&c).unwrap();
        assert_eq!(d.name, "Nia Jones");
        assert_eq!(d.email.as_deref(), Some("nia@example.com"));
        assert_eq!(d.phone, None);
        assert_eq!(d.tags, ["vip"]);
        assert!(d.addresses[0].is_primary);
    }

    #[test]
    fn a_customer_email_follows_the_one_email_rule() {
        // The rule staff sign-in uses: a domain with an empty label is no address.
        let mut c = customer("Nia");
        c.email = Some("nia@example..com".into());
        assert_eq!(validate(&c).unwrap_err().code, ErrorCode::InvalidInput);
    }

    #[test]
    fn bad_fields_are_refused() {
        let mut c = customer("Nia");
        c.phone = Some("call me".into());
        assert!(validate(&c).is_err());
        let mut c = customer("");
        c.phone = Some("030 123".into());
        assert!(validate(&c).is_err());
        let mut c = customer("Nia");
        c.tags = vec!["a,b".into()];
        assert!(validate(&c).is_err());
    }
}
