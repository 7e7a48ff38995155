//! Stripe's PaymentIntents API over HTTPS (reqwest, rustls): form-encoded requests, JSON
//! answers, amounts in minor units, the secret key as a bearer token.

use super::provider::{CardDetails, CardProvider, Intent, NewIntent, ProviderError, Refund};
use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// Stripe's API.
pub const STRIPE_API_BASE: &str = "https://api.stripe.com";

/// The most intents one list page asks for (Stripe's maximum).
const PAGE: usize = 100;

/// How long one call to the provider may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// Where Stripe is and the secret key that speaks for the account.
#[derive(Clone)]
pub struct StripeConfig {
    /// `https://api.stripe.com`, or a stand-in speaking the same API.
    pub api_base: String,
    pub secret_key: String,
}

impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field("api_base", &self.api_base)
            .field("secret_key", &"<hidden>")
            .finish()
    }
}

/// The Stripe adapter.
#[derive(Debug, Clone)]
pub struct Stripe {
    http: reqwest::Client,
    config: StripeConfig,
}

impl Stripe {
    /// An adapter for `config`; refuses a base URL that is not http(s) or an empty key.
    pub fn new(config: StripeConfig) -> Result<Stripe, ProviderError> {
        let base = config.api_base.trim_end_matches('/').to_owned();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(ProviderError::Malformed(format!(
                "the card provider's base URL {base:?} must start with https://"
            )));
        }
        if config.secret_key.trim().is_empty() {
            return Err(ProviderError::Malformed(
                "the card provider's secret key is empty".into(),
            ));
        }
        // reqwest's rustls is built without a crypto provider; ring is the one used here.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| ProviderError::Unreachable(format!("no HTTP client: {e}")))?;
        Ok(Stripe {
            http,
            config: StripeConfig {
                api_base: base,
                secret_key: config.secret_key,
            },
        })
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        params: &[(String, String)],
        idempotency_key: Option<&str>,
    ) -> Result<Value, ProviderError> {
        let encoded = form(params);
        let mut url = format!("{}{path}", self.config.api_base);
        let mut req = if method == Method::GET {
            if !encoded.is_empty() {
                url.push('?');
                url.push_str(&encoded);
            }
            self.http.get(url)
        } else {
            self.http
                .request(method, url)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(encoded)
        };
        req = req.bearer_auth(&self.config.secret_key);
        if let Some(key) = idempotency_key {
            req = req.header("Idempotency-Key", key);
        }
        let res = req
            .send()
            .await
            .map_err(|e| ProviderError::Unreachable(e.without_url().to_string()))?;
        let status = res.status();
        let text = res
            .text()
            .await
            .map_err(|e| ProviderError::Unreachable(e.without_url().to_string()))?;
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            return Err(ProviderError::Unreachable(format!(
                "the provider answered {status}"
            )));
        }
        let body: Value = serde_json::from_str(&text).map_err(|_| {
            ProviderError::Malformed(format!("{status} with a body that is not JSON"))
        })?;
        if !status.is_success() {
            let e = &body["error"];
            let text = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_owned);
            return Err(ProviderError::Refused {
                status: status.as_u16(),
                code: text("code"),
                decline_code: text("decline_code"),
                message: text("message").unwrap_or_else(|| status.to_string()),
            });
        }
        Ok(body)
    }
}

/// `application/x-www-form-urlencoded`: every byte but the unreserved ones escaped.
fn form(params: &[(String, String)]) -> String {
    fn escape(s: &str, out: &mut String) {
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    let mut out = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        escape(k, &mut out);
        out.push('=');
        escape(v, &mut out);
    }
    out
}

fn pair(k: &str, v: impl ToString) -> (String, String) {
    (k.to_owned(), v.to_string())
}

/// A path segment taken from an id: only the characters Stripe's ids use.
fn id_segment(id: &str) -> Result<&str, ProviderError> {
    if !id.is_empty()
        && id.len() <= 255
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        Ok(id)
    } else {
        Err(ProviderError::Malformed(format!(
            "{id:?} is not a provider id"
        )))
    }
}

/// An intent from Stripe's JSON.
pub fn parse_intent(v: &Value) -> Result<Intent, ProviderError> {
    let bad = |what: &str| ProviderError::Malformed(format!("a PaymentIntent without {what}"));
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let payment_method = match v.get("payment_method") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    let metadata: BTreeMap<String, String> = v
        .get("metadata")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    Ok(Intent {
        id: text("id").ok_or_else(|| bad("an id"))?,
        amount_minor: v
            .get("amount")
            .and_then(Value::as_i64)
            .ok_or_else(|| bad("an amount"))?,
        currency: text("currency")
            .ok_or_else(|| bad("a currency"))?
            .to_ascii_uppercase(),
        provider_status: text("status").ok_or_else(|| bad("a status"))?,
        payment_method,
        created: v.get("created").and_then(Value::as_i64).unwrap_or(0),
        last_error: v
            .get("last_payment_error")
            .and_then(|e| e.get("code"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        metadata,
    })
}

#[async_trait]
impl CardProvider for Stripe {
    async fn create(&self, intent: &NewIntent) -> Result<Intent, ProviderError> {
        let mut params = vec![
            pair("amount", intent.amount_minor),
            pair("currency", intent.currency.to_ascii_lowercase()),
            pair("payment_method", &intent.payment_method),
            pair(
                "capture_method",
                if intent.manual_capture {
                    "manual"
                } else {
                    "automatic"
                },
            ),
        ];
        for (k, v) in &intent.metadata {
            params.push((format!("metadata[{k}]"), v.clone()));
        }
        let body = self
            .call(
                Method::POST,
                "/v1/payment_intents",
                &params,
                Some(&intent.idempotency_key),
            )
            .await?;
        parse_intent(&body)
    }

    async fn confirm(&self, id: &str) -> Result<Intent, ProviderError> {
        let path = format!("/v1/payment_intents/{}/confirm", id_segment(id)?);
        parse_intent(&self.call(Method::POST, &path, &[], None).await?)
    }

    async fn capture(&self, id: &str) -> Result<Intent, ProviderError> {
        let path = format!("/v1/payment_intents/{}/capture", id_segment(id)?);
        parse_intent(&self.call(Method::POST, &path, &[], None).await?)
    }

    async fn cancel(&self, id: &str) -> Result<Intent, ProviderError> {
        let path = format!("/v1/payment_intents/{}/cancel", id_segment(id)?);
        parse_intent(&self.call(Method::POST, &path, &[], None).await?)
    }

    async fn refund(
        &self,
        id: &str,
        amount_minor: Option<i64>,
        idempotency_key: &str,
    ) -> Result<Refund, ProviderError> {
        let mut params = vec![pair("payment_intent", id_segment(id)?)];
        if let Some(a) = amount_minor {
            params.push(pair("amount", a));
        }
        let v = self
            .call(Method::POST, "/v1/refunds", &params, Some(idempotency_key))
            .await?;
        let bad = || ProviderError::Malformed("a refund without its id or amount".into());
        Ok(Refund {
            id: v
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(bad)?
                .to_owned(),
            amount_minor: v.get("amount").and_then(Value::as_i64).ok_or_else(bad)?,
            status: v
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("pending")
                .to_owned(),
        })
    }

    async fn retrieve(&self, id: &str) -> Result<Intent, ProviderError> {
        let path = format!("/v1/payment_intents/{}", id_segment(id)?);
        parse_intent(&self.call(Method::GET, &path, &[], None).await?)
    }

    async fn list_created(&self, from: i64, to: i64) -> Result<Vec<Intent>, ProviderError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut params = vec![
                pair("limit", PAGE),
                pair("created[gte]", from),
                pair("created[lt]", to),
            ];
            if let Some(a) = &after {
                params.push(pair("starting_after", a));
            }
            let page = self
                .call(Method::GET, "/v1/payment_intents", &params, None)
                .await?;
            let data = page
                .get("data")
                .and_then(Value::as_array)
                .ok_or_else(|| ProviderError::Malformed("a list without data".into()))?;
            for v in data {
                out.push(parse_intent(v)?);
            }
            let more = page
                .get("has_more")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            match (more, out.last()) {
                (true, Some(last)) if after.as_deref() != Some(last.id.as_str()) => {
                    after = Some(last.id.clone());
                }
                _ => break,
            }
        }
        Ok(out)
    }

    async fn card(&self, payment_method: &str) -> Result<CardDetails, ProviderError> {
        let path = format!("/v1/payment_methods/{}", id_segment(payment_method)?);
        let v = self.call(Method::GET, &path, &[], None).await?;
        let card = &v["card"];
        let text = |k: &str| card.get(k).and_then(Value::as_str).map(str::to_owned);
        match (text("brand"), text("last4")) {
            (Some(brand), Some(last4))
                if last4.len() == 4 && last4.bytes().all(|b| b.is_ascii_digit()) =>
            {
                Ok(CardDetails { brand, last4 })
            }
            _ => Err(ProviderError::Malformed(
                "a PaymentMethod without a card's brand and last four digits".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_escape_brackets_and_spaces() {
        let f = form(&[pair("metadata[order id]", "a b&c"), pair("amount", 5)]);
        assert_eq!(f, "metadata%5Border%20id%5D=a%20b%26c&amount=5");
    }

    #[test]
    fn ids_with_path_characters_are_refused() {
        assert!(id_segment("pi_123abc").is_ok());
        assert!(id_segment("../v1/charges").is_err());
        assert!(id_segment("").is_err());
    }

    #[test]
    fn a_failed_attempt_waiting_for_another_card_is_a_decline() {
        let v = serde_json::json!({"id": "pi_1", "amount": 500, "currency": "eur",
            "status": "requires_payment_method", "created": 1,
            "last_payment_error": {"code": "card_declined"}, "metadata": {"kassa_order": "o1"}});
        let i = parse_intent(&v).unwrap();
        assert_eq!(i.status(), kassa_server_storage::CardStatus::Declined);
        assert_eq!(i.currency, "EUR");
        assert_eq!(i.metadata["kassa_order"], "o1");
    }
}
