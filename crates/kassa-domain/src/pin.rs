//! The rules for a quick-unlock PIN: 4 to 8 digits, not a trivial pattern.
//!
//! A PIN never opens a session on its own; it only unlocks a session that its owner opened
//! with password and second factor on the same device, and five wrong PINs end that session.

use crate::error::{Error, ErrorCode, Result};

/// Fewest digits in a PIN.
pub const MIN_DIGITS: usize = 4;
/// Most digits in a PIN.
pub const MAX_DIGITS: usize = 8;

/// Checks a new PIN; the message says which rule it breaks.
pub fn check_new_pin(pin: &str) -> Result<()> {
    let digits: Vec<u8> = pin.bytes().collect();
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) || !digits.iter().all(u8::is_ascii_digit)
    {
        return Err(Error::new(
            ErrorCode::WeakPassword,
            format!("a PIN is {MIN_DIGITS} to {MAX_DIGITS} digits, nothing else"),
        ));
    }
    let same = digits.iter().all(|d| *d == digits[0]);
    let steps: Vec<i16> = digits
        .windows(2)
        .map(|w| i16::from(w[1]) - i16::from(w[0]))
        .collect();
    let ascending = steps.iter().all(|s| *s == 1);
    let descending = steps.iter().all(|s| *s == -1);
    if same || ascending || descending {
        return Err(Error::new(
            ErrorCode::WeakPassword,
            "the PIN is too easy to guess (one digit repeated, or a run like 1234); choose another",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_four_to_eight_digits() {
        for ok in ["4711", "90817263", "2580"] {
            assert!(check_new_pin(ok).is_ok(), "{ok}");
        }
        for bad in ["471", "908172634", "47a1", " 4711", "", "４７１１"] {
            assert_eq!(
                check_new_pin(bad).unwrap_err().code,
                ErrorCode::WeakPassword,
                "{bad}"
            );
        }
    }

    #[test]
    fn trivial_pins_are_refused() {
        for bad in ["0000", "1234", "98765", "5555555"] {
            let err = check_new_pin(bad).unwrap_err();
            assert!(err.message.contains("too easy"), "{bad}: {}", err.message);
        }
    }
}
