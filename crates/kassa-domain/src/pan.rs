//! Card numbers must never be stored: finding anything that looks like one.
//!
//! A primary account number (PAN) is 13 to 19 digits that pass the Luhn check, and no
//! payment card number starts with 0. People type them in one piece or in groups
//! separated by spaces (one or two), dashes or dots, and often type more digits after
//! them (expiry, CVV) or before them. So the digits are read as *chains*: digit groups
//! joined by one kind of separator. A window of 13–19 consecutive digits of a chain that
//! starts with a non-zero digit and passes the Luhn check is a card number. A window begins
//! and ends at the edges of typed groups, or anywhere inside a group of more than 16 digits
//! (a card run together with other digits), so that a 16-digit number that is not a card
//! is not refused for a Luhn-valid stretch inside it.
//!
//! Some numbers look like that and are not cards; they are left out before looking:
//! - UUIDs and hex digests (32 or more hex characters with a letter among them): ids and
//!   hashes that code writes;
//! - IBANs whose mod-97 check holds (`DE89 3704 0044 0532 0130 00`): bank accounts;
//! - a group of 12, 13 or 14 digits with a valid GS1 check digit (UPC-A, EAN-13, GTIN-14):
//!   barcodes; such a group is not joined to its neighbours either. The price is that a
//!   13-digit card that also passes the GS1 check (1 in 10 of the long-retired 13-digit
//!   Visa numbers) is not found;
//! - a chain of at most 15 digits right after `+`, or of at most 17 starting `00`: a phone
//!   number in international form.

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

/// How two digit groups are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Join {
    Space,
    Dash,
    Dot,
}

/// A maximal run of digits in the text.
struct Group {
    start: usize,
    end: usize,
    /// A barcode: a chain neither crosses nor contains it.
    opaque: bool,
}

/// Every card number in `bytes`, as its digits, each once, in the order found.
pub fn find_pans(bytes: &[u8]) -> Vec<String> {
    // Most text (a name, a reason) has too few digits to hold a card at all.
    if bytes.iter().filter(|b| b.is_ascii_digit()).count() < 13 {
        return Vec::new();
    }
    let text = mask_non_cards(bytes);
    let groups = digit_groups(&text);
    let mut found: Vec<String> = Vec::new();
    // A chain of each kind of join, and each group on its own.
    for join in [None, Some(Join::Space), Some(Join::Dash), Some(Join::Dot)] {
        let mut i = 0;
        while i < groups.len() {
            if groups[i].opaque {
                i += 1;
                continue;
            }
            let mut j = i;
            if let Some(kind) = join {
                while j + 1 < groups.len()
                    && !groups[j + 1].opaque
                    && join_between(&text, &groups[j], &groups[j + 1]) == Some(kind)
                {
                    j += 1;
                }
                if j == i {
                    // A single group is looked at on its own pass.
                    i += 1;
                    continue;
                }
            }
            scan_chain(&text, &groups[i..=j], &mut found);
            i = j + 1;
        }
    }
    found
}

/// Whether free text (a note, a name, an address) holds something that looks like a card number.
pub fn looks_like_pan(text: &str) -> bool {
    !find_pans(text.as_bytes()).is_empty()
}

/// The longest group of digits read as one piece: a 16-digit number that is not itself a
/// card is not refused for a Luhn-valid stretch inside it. Beyond this, a group is card
/// digits run together with others (expiry, security code, a reference).
const LONGEST_GROUP: usize = 16;

fn scan_chain(text: &[u8], chain: &[Group], found: &mut Vec<String>) {
    let first = &chain[0];
    let digits: Vec<u8> = chain
        .iter()
        .flat_map(|g| text[g.start..g.end].iter().map(|b| b - b'0'))
        .collect();
    if digits.len() < 13 {
        return;
    }
    // A phone number in international form: `+49 151 2345 6789`, `0049 151 2345 6789`.
    let plus = first.start > 0 && text[first.start - 1] == b'+';
    if (plus && digits.len() <= 15) || (digits.starts_with(&[0, 0]) && digits.len() <= 17) {
        return;
    }
    // Where a card number may begin or end: at the edge of a typed group, or anywhere
    // inside a group too long to be one card (its edges cannot be seen there).
    let mut cut = vec![false; digits.len() + 1];
    let mut at = 0;
    for g in chain {
        let len = g.end - g.start;
        cut[at] = true;
        if len > LONGEST_GROUP {
            cut[at..at + len].fill(true);
        }
        at += len;
        cut[at] = true;
    }
    for start in 0..digits.len() {
        if digits[start] == 0 || !cut[start] {
            continue;
        }
        for len in 13..=19 {
            let Some(window) = digits.get(start..start + len) else {
                break;
            };
            if cut[start + len] && luhn_valid(window) {
                let pan: String = window.iter().map(|d| char::from(b'0' + d)).collect();
                if !found.contains(&pan) {
                    found.push(pan);
                }
            }
        }
    }
}

fn digit_groups(text: &[u8]) -> Vec<Group> {
    let mut groups = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if !text[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && text[i].is_ascii_digit() {
            i += 1;
        }
        let digits: Vec<u8> = text[start..i].iter().map(|b| b - b'0').collect();
        groups.push(Group {
            start,
            end: i,
            opaque: is_gtin(&digits),
        });
    }
    groups
}

/// A 12-, 13- or 14-digit code with a valid GS1 check digit.
fn is_gtin(digits: &[u8]) -> bool {
    if !(12..=14).contains(&digits.len()) {
        return false;
    }
    let (body, check) = digits.split_at(digits.len() - 1);
    crate::catalog::gtin_check_digit(body) == check[0]
}

fn join_between(text: &[u8], a: &Group, b: &Group) -> Option<Join> {
    match &text[a.end..b.start] {
        b" " | b"  " => Some(Join::Space),
        b"-" => Some(Join::Dash),
        b"." => Some(Join::Dot),
        _ => None,
    }
}

/// The text with UUIDs, hex digests and valid IBANs blanked out (`#`), so their digits
/// are neither cards nor joined to the digits around them.
fn mask_non_cards(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    mask_hex(&mut out);
    mask_ibans(&mut out);
    out
}

/// Blanks tokens of hex digits and dashes that are UUIDs (8-4-4-4-12) or runs of 32 or
/// more hex digits with at least one letter (SHA digests, keys).
fn mask_hex(out: &mut [u8]) {
    let mut i = 0;
    while i < out.len() {
        if !out[i].is_ascii_hexdigit() || (i > 0 && out[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < out.len() && (out[j].is_ascii_hexdigit() || out[j] == b'-') {
            j += 1;
        }
        // The token must end where the word ends.
        let bounded = j == out.len() || !out[j].is_ascii_alphanumeric();
        let token = &out[i..j];
        let parts: Vec<usize> = token.split(|b| *b == b'-').map(<[u8]>::len).collect();
        let uuid = parts == [8, 4, 4, 4, 12];
        let digest = token.len() >= 32
            && !token.contains(&b'-')
            && token.iter().any(u8::is_ascii_alphabetic);
        if bounded && (uuid || digest) {
            out[i..j].fill(b'#');
        }
        i = j.max(i + 1);
    }
}

/// Blanks IBANs: two letters, two check digits and up to 30 letters or digits, in groups
/// separated by single spaces or in one piece, whose mod-97 check gives 1.
fn mask_ibans(out: &mut [u8]) {
    let mut i = 0;
    while i + 4 <= out.len() {
        let starts = out[i].is_ascii_alphabetic()
            && out[i + 1].is_ascii_alphabetic()
            && out[i + 2].is_ascii_digit()
            && out[i + 3].is_ascii_digit()
            && (i == 0 || !out[i - 1].is_ascii_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        // The positions of the IBAN's characters, spaces skipped.
        let mut chars: Vec<usize> = Vec::new();
        let mut j = i;
        while j < out.len() && chars.len() < 34 {
            if out[j].is_ascii_alphanumeric() {
                chars.push(j);
            } else if !(out[j] == b' '
                && j + 1 < out.len()
                && out[j + 1].is_ascii_alphanumeric()
                && out[j - 1] != b' ')
            {
                break;
            }
            j += 1;
        }
        let longest_valid = (15..=chars.len()).rev().find(|&n| {
            let s: Vec<u8> = chars[..n].iter().map(|&p| out[p]).collect();
            iban_check_holds(&s)
        });
        match longest_valid {
            Some(n) => {
                let end = chars[n - 1] + 1;
                out[i..end].fill(b'#');
                i = end;
            }
            None => i += 1,
        }
    }
}

fn iban_check_holds(s: &[u8]) -> bool {
    let mut rem: u32 = 0;
    for &b in s[4..].iter().chain(&s[..4]) {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'a'..=b'z' => u32::from(b - b'a') + 10,
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
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
