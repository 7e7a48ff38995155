//! Hashes and random material for credentials: passwords, backup codes, session tokens.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use kassa_domain::policy::{
    ARGON2_ITERATIONS, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM, BACKUP_CODES,
};
use kassa_domain::totp::SECRET_BYTES;
use kassa_domain::{Error, Result};
use rand::RngCore;
use sha2::{Digest, Sha256};

fn argon2() -> Result<Argon2<'static>> {
    let params = Params::new(
        ARGON2_MEMORY_KIB,
        ARGON2_ITERATIONS,
        ARGON2_PARALLELISM,
        None,
    )
    .map_err(|e| Error::internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// An argon2id PHC string for `secret`, with a fresh salt; the string shows its parameters.
pub fn hash_secret(secret: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()?
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("hashing failed: {e}")))
}

/// Whether `secret` matches the PHC string `phc` (with the parameters the string names).
pub fn verify_secret(phc: &str, secret: &str) -> Result<bool> {
    let parsed = PasswordHash::new(phc).map_err(|_| {
        Error::new(
            kassa_domain::ErrorCode::Storage,
            "a stored password hash is damaged",
        )
    })?;
    Ok(Argon2::default()
        .verify_password(secret.as_bytes(), &parsed)
        .is_ok())
}

/// 160 random bits for a new TOTP secret.
pub fn new_totp_secret() -> [u8; SECRET_BYTES] {
    let mut s = [0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut s);
    s
}

/// Crockford's base32: no I, L, O or U to misread on paper.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Ten new backup codes like `7K2QD-9XH4M` (50 random bits each).
pub fn new_backup_codes() -> Vec<String> {
    (0..BACKUP_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let chars: String = bytes
                .iter()
                .map(|b| CODE_ALPHABET[usize::from(b & 31)] as char)
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// `bytes` random bytes as Crockford base32 in groups of four, e.g. `7K2Q-D9XH-...`.
fn grouped_code(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    // Five bits per character, read across byte boundaries so every bit is used.
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut n = 0;
    for b in raw {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            if n > 0 && n % 4 == 0 {
                out.push('-');
            }
            out.push(CODE_ALPHABET[((acc >> bits) & 31) as usize] as char);
            n += 1;
        }
    }
    if bits > 0 {
        if n > 0 && n % 4 == 0 {
            out.push('-');
        }
        out.push(CODE_ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// A one-time invitation or re-enrolment code: 160 random bits, 32 characters in groups.
pub fn new_invitation_code() -> String {
    grouped_code(kassa_domain::policy::INVITATION_TOKEN_BYTES)
}

/// A temporary password for an admin reset: 80 random bits in groups (20 characters); the
/// person must replace it at their next sign-in.
pub fn new_temporary_password() -> String {
    grouped_code(10)
}

/// A backup code as typed, reduced to what was printed: case, spaces and dashes ignored,
/// O read as 0 and I/L as 1.
pub fn normalize_backup_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// SHA-256 of a session token, as stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_hashes_are_argon2id_at_or_above_the_floor() {
        let phc = hash_secret("correct horse battery staple").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
        let parsed = PasswordHash::new(&phc).unwrap();
        let m: u32 = parsed.params.get_decimal("m").unwrap();
        let t: u32 = parsed.params.get_decimal("t").unwrap();
        let p: u32 = parsed.params.get_decimal("p").unwrap();
        assert!(m >= 19_456 && t >= 2 && p >= 1, "{phc}");
        assert!(verify_secret(&phc, "correct horse battery staple").unwrap());
        assert!(!verify_secret(&phc, "correct horse battery stapl").unwrap());
    }

    #[test]
    fn invitation_codes_carry_160_bits_in_readable_groups() {
        let a = new_invitation_code();
        assert_eq!(normalize_backup_code(&a).len(), 32, "{a}");
        assert!(a.split('-').all(|g| g.len() == 4), "{a}");
        assert_ne!(a, new_invitation_code());
        assert_eq!(normalize_backup_code(&new_temporary_password()).len(), 16);
    }

    #[test]
    fn backup_codes_are_ten_distinct_and_normalise_as_typed() {
        let codes = new_backup_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(
            codes.iter().collect::<std::collections::HashSet<_>>().len(),
            10
        );
        let c = &codes[0];
        assert_eq!(
            normalize_backup_code(&c.to_lowercase().replace('-', " ")),
            normalize_backup_code(c)
        );
        assert_eq!(normalize_backup_code("oil0-1"), "01101");
    }
}
