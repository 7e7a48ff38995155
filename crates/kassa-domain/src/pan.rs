//! Card numbers must never be stored: finding anything that looks like one.
//!
//! A primary account number is 13 to 19 digits that pass the Luhn check. Digits may be
//! separated by single spaces or dashes, as people type them.

/// Whether the digits pass the Luhn check.
pub fn luhn_valid(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(*d);
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// Every run of 13–19 digits in `bytes` (single spaces or dashes between digits allowed) that
/// passes the Luhn check, as the digits found. A run is bounded by anything that is not a
/// digit or a single separator; longer runs are other things (ids, counters), not cards.
pub fn find_pans(bytes: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        // Collect one run: digits, with single separators between them.
        let mut digits = Vec::new();
        let mut j = i;
        while j < bytes.len() {
            let b = bytes[j];
            if b.is_ascii_digit() {
                digits.push(b - b'0');
                j += 1;
            } else if (b == b' ' || b == b'-')
                && j + 1 < bytes.len()
                && bytes[j + 1].is_ascii_digit()
                && j > i
            {
                j += 1;
            } else {
                break;
            }
        }
        if (13..=19).contains(&digits.len()) && luhn_valid(&digits) {
            found.push(digits.iter().map(|d| char::from(b'0' + d)).collect());
        }
        i = j.max(i + 1);
    }
    found
}

/// Whether free text (a note, a contact) holds something that looks like a card number.
pub fn looks_like_pan(text: &str) -> bool {
    !find_pans(text.as_bytes()).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_test_card_numbers_as_people_type_them() {
        assert!(looks_like_pan("4242424242424242"));
        assert!(looks_like_pan("card 4242 4242 4242 4242 exp 12/30"));
        assert!(looks_like_pan("5555-5555-5555-4444"));
        assert!(looks_like_pan("378282246310005"));
        assert_eq!(
            find_pans(b"x4111111111111111y"),
            vec!["4111111111111111".to_string()]
        );
    }

    #[test]
    fn leaves_ordinary_numbers_alone() {
        assert!(!looks_like_pan("4242424242424241"));
        assert!(!looks_like_pan("+49 30 1234567"));
        assert!(!looks_like_pan("2026-11-22T10:00:00.000Z"));
        assert!(!looks_like_pan("CORN-01-000042"));
        assert!(!looks_like_pan("123456789012"));
    }
}
