//! The card provider's webhook signature: `Stripe-Signature: t=<unix>,v1=<hex>`, an
//! HMAC-SHA256 under the endpoint's secret over `"{t}.{raw body}"`, compared in constant
//! time, and refused when `t` is more than five minutes from the server's clock.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a signature's time may be from the server's clock, in seconds.
pub const WEBHOOK_TOLERANCE_SECS: i64 = 300;

/// Why a webhook's signature is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing")]
    Missing,
    #[error("the Stripe-Signature header is not t=<unix time>,v1=<hex signature>")]
    Malformed,
    #[error("the signature's time is more than 300 seconds from the server's clock")]
    OutsideTolerance,
    #[error("no signature matches the body under the webhook secret")]
    Mismatch,
}

fn mac(secret: &str, t: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header a provider sends for `body` signed at `t` (what the stand-in and tests send).
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let sig = mac(secret, t, body).finalize().into_bytes();
    format!("t={t},v1={}", hex::encode(sig))
}

/// Checks `header` for `body` at `now` (Unix seconds). Any of several `v1` signatures may
/// match (a secret being rolled); other schemes (`v0`) are ignored.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secret: &str,
    now: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut t: Option<i64> = None;
    let mut signatures: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        let (k, v) = part
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed)?;
        match k {
            "t" => t = Some(v.parse().map_err(|_| SignatureError::Malformed)?),
            "v1" => signatures.push(hex::decode(v).map_err(|_| SignatureError::Malformed)?),
            _ => {}
        }
    }
    let t = t.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if now.abs_diff(t) > WEBHOOK_TOLERANCE_SECS as u64 {
        return Err(SignatureError::OutsideTolerance);
    }
    let expected = mac(secret, t, body);
    // `verify_slice` compares in constant time.
    if signatures
        .iter()
        .any(|s| expected.clone().verify_slice(s).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const BODY: &[u8] = br#"{"id":"evt_1"}"#;

    fn check(header: Option<&str>, body: &[u8], now: i64) -> Result<(), SignatureError> {
        verify(header, body, SECRET, now)
    }

    #[test]
    fn a_fresh_signature_over_the_body_passes() {
        let h = sign(SECRET, 1_000, BODY);
        assert_eq!(check(Some(&h), BODY, 1_000), Ok(()));
        assert_eq!(check(Some(&h), BODY, 1_300), Ok(()));
    }

    #[test]
    fn a_tampered_body_or_another_secret_is_a_mismatch() {
        let h = sign(SECRET, 1_000, BODY);
        assert_eq!(
            check(Some(&h), br#"{"id":"evt_2"}"#, 1_000),
            Err(SignatureError::Mismatch)
        );
        let other = sign("whsec_other", 1_000, BODY);
        assert_eq!(
            check(Some(&other), BODY, 1_000),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_signature_301_seconds_old_is_refused() {
        let h = sign(SECRET, 1_000, BODY);
        assert_eq!(
            check(Some(&h), BODY, 1_301),
            Err(SignatureError::OutsideTolerance)
        );
    }

    #[test]
    fn headers_without_time_or_v1_are_malformed() {
        assert_eq!(check(None, BODY, 1), Err(SignatureError::Missing));
        assert_eq!(
            check(Some("v1=00"), BODY, 1),
            Err(SignatureError::Malformed)
        );
        assert_eq!(check(Some("t=1"), BODY, 1), Err(SignatureError::Malformed));
        assert_eq!(
            check(Some("t=x,v1=00"), BODY, 1),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            check(Some("t=1,v1=zz"), BODY, 1),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn one_matching_signature_among_several_passes() {
        let good = sign(SECRET, 5, BODY);
        let v1 = good.split_once("v1=").unwrap().1;
        let h = format!("t=5,v1={},v1={v1},v0=abc", "00".repeat(32));
        assert_eq!(check(Some(&h), BODY, 5), Ok(()));
    }
}
