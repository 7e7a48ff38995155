//! Reconciliation: the provider's PaymentIntents of a period against the server's card
//! payments. What differs is reported and fixed, each fix audited on the server:
//!
//! - `missing`: an intent Kassa made that the server does not hold (or holds without its
//!   id) is recorded, from the store, device, order, payment and key in its metadata;
//! - `status_differs`: the payment takes the provider's status;
//! - `amount_differs`: never changed by a program; the payment is marked for a
//!   manager to review (`review`), audited `card_payment.amount_differs`;
//! - `unknown_at_provider`: a payment whose intent the provider does not know is reported.

use super::pay::{update_from_intent, with_card};
use super::provider::{CardProvider, Intent, ProviderError};
use crate::state::timestamp;
use chrono::{DateTime, Utc};
use kassa_server_storage::{CardPayment, CardPaymentUpdate, NewCardPayment, Storage, StorageError};
use serde::Serialize;
use std::collections::BTreeSet;

/// Why a reconciliation did not finish.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// One difference found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// `missing`, `status_differs`, `amount_differs` or `unknown_at_provider`.
    pub kind: &'static str,
    pub intent_id: String,
    pub store_id: Option<String>,
    pub payment_id: Option<String>,
    /// What the server held (status or amount), if anything.
    pub server: Option<String>,
    /// What the provider holds.
    pub provider: Option<String>,
    /// What was done: `recorded`, `status_set`, `manager_review`, `none` (with why).
    pub fix: String,
}

/// What a reconciliation found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    pub from: String,
    pub to: String,
    pub provider_intents: usize,
    pub server_payments: usize,
    pub mismatches: Vec<Mismatch>,
    /// Fixes made (recorded, status set, marked for review).
    pub fixed: usize,
}

fn describe_amount(p: &CardPayment) -> String {
    format!("{} {}", p.amount_minor, p.currency)
}

fn describe_intent(i: &Intent) -> String {
    format!("{} {}", i.amount_minor, i.currency)
}

/// The payment an intent belongs to, recorded from its metadata when the server lacks it.
async fn record_missing(
    storage: &dyn Storage,
    intent: &Intent,
    now: &str,
) -> Result<Option<CardPayment>, StorageError> {
    let m = &intent.metadata;
    let (Some(store), Some(key)) = (m.get("kassa_store"), m.get("kassa_key")) else {
        return Ok(None);
    };
    let held = match storage.card_payment_by_key(store, key).await? {
        // Asked for through this server, which stopped before it kept the intent.
        Some(p) => p,
        None => {
            let (Some(device), Some(order), Some(payment)) = (
                m.get("kassa_device"),
                m.get("kassa_order"),
                m.get("kassa_payment"),
            ) else {
                return Ok(None);
            };
            // Metadata naming a store or device this server does not hold (another
            // server's, or made up) records nothing.
            let devices = storage.devices(store).await?;
            if !devices.iter().any(|d| &d.device_id == device) {
                return Ok(None);
            }
            storage
                .begin_card_payment(NewCardPayment {
                    store_id: store.clone(),
                    device_id: device.clone(),
                    order_id: order.clone(),
                    payment_id: payment.clone(),
                    idempotency_key: key.clone(),
                    amount_minor: intent.amount_minor,
                    currency: intent.currency.clone(),
                    request_hash: format!("reconciled:{}", intent.id),
                    taken_offline_at: None,
                    now: now.to_owned(),
                })
                .await?
                .0
        }
    };
    let mut update = update_from_intent(&held, intent, "reconciliation", now);
    update.action = "card_payment.recorded".into();
    Ok(Some(storage.update_card_payment(update).await?))
}

/// Compares and fixes the period `[from, to)`; `now` stamps the fixes.
#[tracing::instrument(name = "card_reconcile", skip_all, fields(from = %from, to = %to))]
pub async fn reconcile(
    storage: &dyn Storage,
    provider: &dyn CardProvider,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<ReconcileReport, ReconcileError> {
    let stamp = timestamp(now);
    let intents = provider
        .list_created(from.timestamp(), to.timestamp())
        .await?;
    let payments = storage
        .card_payments_between(&timestamp(from), &timestamp(to))
        .await?;
    let mut mismatches = Vec::new();
    let mut fixed = 0;
    let seen: BTreeSet<&str> = intents.iter().map(|i| i.id.as_str()).collect();
    // Payments of the period whose intent the list did not show (made at the period's
    // edge): fetched one by one.
    let mut extra = Vec::new();
    for p in &payments {
        let Some(id) = &p.intent_id else { continue };
        if seen.contains(id.as_str()) {
            continue;
        }
        match provider.retrieve(id).await {
            Ok(i) => extra.push(i),
            Err(ProviderError::Refused { status: 404, .. }) => mismatches.push(Mismatch {
                kind: "unknown_at_provider",
                intent_id: id.clone(),
                store_id: Some(p.store_id.clone()),
                payment_id: Some(p.payment_id.clone()),
                server: Some(p.status.as_str().into()),
                provider: None,
                fix: "none: the provider does not know this intent".into(),
            }),
            Err(e) => return Err(e.into()),
        }
    }

    for intent in intents.iter().chain(extra.iter()) {
        let payment = match storage.card_payment_by_intent(&intent.id).await? {
            Some(p) => p,
            None => {
                let recorded = record_missing(storage, intent, &stamp).await?;
                mismatches.push(Mismatch {
                    kind: "missing",
                    intent_id: intent.id.clone(),
                    store_id: recorded.as_ref().map(|p| p.store_id.clone()),
                    payment_id: recorded.as_ref().map(|p| p.payment_id.clone()),
                    server: None,
                    provider: Some(intent.status().as_str().into()),
                    fix: if recorded.is_some() {
                        "recorded".into()
                    } else {
                        "none: the intent names no store, device and payment of this server".into()
                    },
                });
                match recorded {
                    // Recorded with the provider's status; its amount is compared below.
                    Some(p) => {
                        fixed += 1;
                        p
                    }
                    None => continue,
                }
            }
        };
        if payment.amount_minor != intent.amount_minor || payment.currency != intent.currency {
            let already = payment.review.is_some();
            mismatches.push(Mismatch {
                kind: "amount_differs",
                intent_id: intent.id.clone(),
                store_id: Some(payment.store_id.clone()),
                payment_id: Some(payment.payment_id.clone()),
                server: Some(describe_amount(&payment)),
                provider: Some(describe_intent(intent)),
                fix: "manager_review".into(),
            });
            if !already {
                storage
                    .update_card_payment(CardPaymentUpdate {
                        store_id: payment.store_id.clone(),
                        idempotency_key: payment.idempotency_key.clone(),
                        intent_id: None,
                        status: payment.status,
                        brand: None,
                        last4: None,
                        decline_code: None,
                        review: Some(format!(
                            "amount_differs: the provider holds {}, the server {}",
                            describe_intent(intent),
                            describe_amount(&payment)
                        )),
                        action: "card_payment.amount_differs".into(),
                        source: "reconciliation".into(),
                        now: stamp.clone(),
                    })
                    .await?;
                fixed += 1;
            }
        }
        if payment.status != intent.status() {
            mismatches.push(Mismatch {
                kind: "status_differs",
                intent_id: intent.id.clone(),
                store_id: Some(payment.store_id.clone()),
                payment_id: Some(payment.payment_id.clone()),
                server: Some(payment.status.as_str().into()),
                provider: Some(intent.status().as_str().into()),
                fix: "status_set".into(),
            });
            let mut update = update_from_intent(&payment, intent, "reconciliation", &stamp);
            update.action = "card_payment.status_reconciled".into();
            let update = with_card(provider, &payment, intent, update).await;
            storage.update_card_payment(update).await?;
            fixed += 1;
        }
    }
    Ok(ReconcileReport {
        from: timestamp(from),
        to: timestamp(to),
        provider_intents: intents.len(),
        server_payments: payments.len(),
        mismatches,
        fixed,
    })
}
