//! One-time pairing codes: 80 bits from the OS's CSPRNG, shown as four groups of Crockford
//! base32 (`7KQ2-M9XD-0RTA-W4HF`), kept only as the SHA-256 of the normalised code.

use crate::ServerError;
use crate::auth::sha256_hex;
use crate::state::timestamp;
use chrono::{DateTime, Duration, Utc};
use kassa_server_storage::{NewPairingCode, Storage};
use rand::RngCore;
use rand::rngs::OsRng;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// How long a code can be used.
pub const PAIRING_CODE_LIFETIME_MINUTES: i64 = 60;

/// A code as handed to an admin, once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCode {
    pub code: String,
    /// The store the code joins; `None` for a new store's first device.
    pub store_id: Option<String>,
    pub expires_at: String,
}

/// A code as typed, in the one form that is hashed: upper case, no dashes or spaces, and
/// Crockford's look-alikes read as the digits they resemble.
pub fn normalise_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\t'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

/// The stored hash of a typed code.
pub fn code_hash(typed: &str) -> String {
    sha256_hex(normalise_code(typed).as_bytes())
}

fn new_code() -> String {
    let mut bytes = [0u8; 10];
    OsRng.fill_bytes(&mut bytes);
    // 80 bits are 16 symbols of 5 bits.
    let mut bits: u128 = 0;
    for b in bytes {
        bits = (bits << 8) | u128::from(b);
    }
    let symbols: Vec<char> = (0..16)
        .rev()
        .map(|i| char::from(CROCKFORD[((bits >> (i * 5)) & 31) as usize]))
        .collect();
    symbols
        .chunks(4)
        .map(|g| g.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Makes a one-time code valid for an hour: for a new store's first device (`store_id`
/// `None`) or to join `store_id`.
pub async fn issue_pairing_code(
    storage: &dyn Storage,
    store_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<IssuedCode, ServerError> {
    let code = new_code();
    let expires_at = timestamp(now + Duration::minutes(PAIRING_CODE_LIFETIME_MINUTES));
    storage
        .add_pairing_code(NewPairingCode {
            code_hash: code_hash(&code),
            store_id: store_id.map(Into::into),
            created_at: timestamp(now),
            expires_at: expires_at.clone(),
        })
        .await?;
    Ok(IssuedCode {
        code,
        store_id: store_id.map(Into::into),
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_four_groups_of_crockford_base32() {
        let c = new_code();
        assert_eq!(c.len(), 19);
        let groups: Vec<&str> = c.split('-').collect();
        assert_eq!(groups.len(), 4);
        assert!(
            groups
                .iter()
                .all(|g| g.len() == 4 && g.bytes().all(|b| CROCKFORD.contains(&b)))
        );
        assert_ne!(c, new_code());
    }

    #[test]
    fn a_code_typed_in_lower_case_with_spaces_is_the_same_code() {
        assert_eq!(
            code_hash("7KQ2-M9XD-0RTA-W4HF"),
            code_hash(" 7kq2 m9xd ortA-w4hf ")
        );
        assert_eq!(code_hash("1111-0000"), code_hash("iLl1 oO00"));
        assert_ne!(
            code_hash("7KQ2-M9XD-0RTA-W4HF"),
            code_hash("7KQ2-M9XD-0RTA-W4HG")
        );
    }
}
