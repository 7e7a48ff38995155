//! The rules a new password must meet (NIST SP 800-63B, OWASP ASVS 5).
//!
//! Length, a list of common passwords and strength: no composition rules, paste allowed,
//! never truncated.

use crate::error::{Error, ErrorCode, Result};
use std::collections::HashSet;
use std::sync::OnceLock;

/// Fewest characters a password may have (staff always have 2FA as well).
pub const MIN_CHARS: usize = 12;
/// Most characters a password may have; far above what people type.
pub const MAX_CHARS: usize = 256;
/// Lowest zxcvbn score (0–4) a password may have.
pub const MIN_SCORE: u8 = 3;

/// The shipped list of common passwords, lower case, one a line (see `data/README.md`).
const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

fn common_set() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON_PASSWORDS.lines().filter(|l| !l.is_empty()).collect())
}

/// How many passwords the shipped list holds.
pub fn common_list_len() -> usize {
    common_set().len()
}

/// Whether `password` (compared in lower case, as the list is) is on the shipped list.
pub fn is_common(password: &str) -> bool {
    common_set().contains(password.to_lowercase().as_str())
}

/// Checks a new password; `user_inputs` are words a guesser would try first (email, name, store).
pub fn check_new_password(password: &str, user_inputs: &[&str]) -> Result<()> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(weak(format!(
            "the password has {chars} characters; use at least {MIN_CHARS} (a few unrelated words work well)"
        )));
    }
    if chars > MAX_CHARS {
        return Err(weak(format!(
            "the password is longer than {MAX_CHARS} characters"
        )));
    }
    if is_common(password) {
        return Err(weak(
            "the password is on the list of the most common passwords, which attackers try first; choose a few unrelated words instead"
                .to_string(),
        ));
    }
    let entropy = zxcvbn::zxcvbn(password, user_inputs);
    let score = u8::from(entropy.score());
    if score < MIN_SCORE {
        let hint = entropy
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .unwrap_or_else(|| "it would be guessed too quickly".to_string());
        return Err(weak(format!(
            "the password is too easy to guess: {hint}. Add more unrelated words"
        )));
    }
    Ok(())
}

fn weak(message: String) -> Error {
    Error::new(ErrorCode::WeakPassword, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_refused_with_the_length_rule() {
        let err = check_new_password("Tr0ub4dor&3", &[]).unwrap_err();
        assert_eq!(err.code, ErrorCode::WeakPassword);
        assert!(err.message.contains("at least 12"), "{}", err.message);
    }

    #[test]
    fn guessable_long_passwords_are_refused() {
        let err = check_new_password("passwordpassword", &[]).unwrap_err();
        assert_eq!(err.code, ErrorCode::WeakPassword);
    }

    #[test]
    fn the_users_own_email_does_not_make_a_password() {
        assert!(
            check_new_password(
                "corner.shop.owner@example.com",
                &["corner.shop.owner@example.com"]
            )
            .is_err()
        );
    }

    #[test]
    fn a_common_password_is_refused_with_that_reason_even_when_zxcvbn_would_pass_it() {
        assert!(common_list_len() >= 10_000, "{}", common_list_len());
        // Long enough, and zxcvbn alone scores it high enough: only the list catches it.
        let leaked = "ichliebedich";
        assert!(u8::from(zxcvbn::zxcvbn(leaked, &[]).score()) >= MIN_SCORE);
        let err = check_new_password(leaked, &[]).unwrap_err();
        assert_eq!(err.code, ErrorCode::WeakPassword);
        assert!(
            err.message.contains("most common passwords"),
            "{}",
            err.message
        );
        // Case does not get it past the list.
        assert!(is_common("IchLiebeDich"));
    }

    #[test]
    fn long_passwords_are_accepted_whole_and_never_truncated() {
        let long = "correct horse battery staple ".repeat(8);
        assert!(long.chars().count() > 200);
        assert!(check_new_password(&long, &[]).is_ok());
        let too_long = "x".repeat(MAX_CHARS + 1);
        assert!(check_new_password(&too_long, &[]).is_err());
    }

    #[test]
    fn a_passphrase_is_accepted_without_composition_rules() {
        assert!(check_new_password("correct horse battery staple", &[]).is_ok());
    }
}
