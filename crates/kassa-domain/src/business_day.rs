//! The business day: which day a sale belongs to. A bar that closes at 2 a.m. books what it
//! sells after midnight on the evening's day, so the day runs from the store's cut-off to the
//! next day's cut-off, in the store's time zone (the zone's lookup is the store's, since it
//! reads the time zone database).

use crate::error::{Error, Result};

/// The latest cut-off a store may set, in minutes after midnight (noon).
pub const MAX_CUTOFF_MINUTES: u32 = 12 * 60;

/// Reads a cut-off written `HH:MM` (24-hour clock, at most `12:00`) as minutes after midnight.
pub fn parse_cutoff(text: &str) -> Result<u32> {
    let refuse = || {
        Error::invalid_input(format!(
            "'{text}' is not a business-day cut-off: write the time the day ends as HH:MM, between 00:00 and 12:00 (e.g. 02:00)"
        ))
    };
    let (h, m) = text.trim().split_once(':').ok_or_else(refuse)?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || m.len() != 2 || !digits(m) {
        return Err(refuse());
    }
    let (h, m): (u32, u32) = (
        h.parse().map_err(|_| refuse())?,
        m.parse().map_err(|_| refuse())?,
    );
    let minutes = h * 60 + m;
    if m > 59 || minutes > MAX_CUTOFF_MINUTES {
        return Err(refuse());
    }
    Ok(minutes)
}

/// A time zone name as the time zone database spells it (`Europe/Berlin`, `UTC`), or empty for
/// the device's own zone. Only the spelling is checked here; the store checks that it exists.
pub fn check_time_zone_name(name: &str) -> Result<()> {
    let ok = name.is_empty()
        || (name.len() <= 64
            && !name.starts_with('/')
            && !name
                .split('/')
                .any(|part| part.is_empty() || part == "." || part == "..")
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'+')));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "'{name}' is not a time zone name: write it as the time zone database does, e.g. Europe/Berlin or UTC (empty: this device's zone)"
        )))
    }
}

/// The business date of a moment whose local wall-clock date and minutes after midnight are
/// given: before the cut-off it is still the previous day. Dates are `(year, month, day)`.
pub fn date_of(
    local_date: (i32, u32, u32),
    local_minutes: u32,
    cutoff_minutes: u32,
) -> (i32, u32, u32) {
    if local_minutes >= cutoff_minutes {
        return local_date;
    }
    let (y, m, d) = local_date;
    if d > 1 {
        return (y, m, d - 1);
    }
    if m > 1 {
        return (y, m - 1, days_in_month(y, m - 1));
    }
    (y - 1, 12, 31)
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sale_before_the_cut_off_belongs_to_the_evening_before() {
        let two = parse_cutoff("02:00").unwrap();
        assert_eq!(date_of((2026, 11, 22), 90, two), (2026, 11, 21));
        assert_eq!(date_of((2026, 11, 22), 120, two), (2026, 11, 22));
        assert_eq!(date_of((2026, 3, 1), 0, two), (2026, 2, 28));
        assert_eq!(date_of((2028, 3, 1), 0, two), (2028, 2, 29));
        assert_eq!(date_of((2027, 1, 1), 59, two), (2026, 12, 31));
        assert_eq!(date_of((2026, 11, 22), 0, 0), (2026, 11, 22));
    }

    #[test]
    fn cut_offs_are_hh_mm_up_to_noon() {
        assert_eq!(parse_cutoff("00:00").unwrap(), 0);
        assert_eq!(parse_cutoff(" 2:30 ").unwrap(), 150);
        assert_eq!(parse_cutoff("12:00").unwrap(), 720);
        for bad in [
            "", "2", "12:01", "24:00", "02:60", "02:5", "-1:00", "ab:cd", "02:00:00",
        ] {
            assert!(parse_cutoff(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn time_zone_names_are_spelled_as_the_database_does() {
        for ok in [
            "",
            "UTC",
            "Europe/Berlin",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+2",
        ] {
            assert!(check_time_zone_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "/etc/passwd",
            "Europe/../x",
            "Europe//Berlin",
            "Europe Berlin",
            "Zürich",
        ] {
            assert!(check_time_zone_name(bad).is_err(), "{bad}");
        }
    }
}
