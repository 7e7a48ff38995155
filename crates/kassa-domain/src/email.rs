//! The one rule for what an email address looks like: staff sign-in, customers, receipts.

use crate::error::{Error, Result};

/// The longest address SMTP carries.
pub const MAX_LEN: usize = 254;

/// Checks an email address's shape and returns it trimmed: one `@` with something before
/// it, a dotted domain without empty labels, no spaces or control characters, at most
/// 254 characters.
pub fn validate_email(email: &str) -> Result<String> {
    let e = email.trim();
    let bad = || Error::invalid_input(format!("'{e}' is not an email address"));
    if e.len() > MAX_LEN || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = e.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Err(bad());
    }
    Ok(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_people_have_are_accepted_trimmed() {
        for (typed, kept) in [
            ("a@example.com", "a@example.com"),
            ("  nia@example.com ", "nia@example.com"),
            (
                "first.last+tag@mail.example.co.uk",
                "first.last+tag@mail.example.co.uk",
            ),
        ] {
            assert_eq!(validate_email(typed).as_deref(), Ok(kept));
        }
    }

    #[test]
    fn shapes_that_are_not_addresses_are_refused() {
        for bad in [
            "",
            "a",
            "a@b",
            "@example.com",
            "a@.com",
            "a@example.",
            "a b@example.com",
            "a@example..com",
            "a@@x.com",
            "a@b@x.com",
            "a\u{7}@example.com",
        ] {
            let e = validate_email(bad).unwrap_err();
            assert_eq!(e.code, crate::ErrorCode::InvalidInput, "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(validate_email(&long).is_err());
    }
}
