//! A card taken at checkout through the server's card provider, while the till is online.
//!
//! A card tender that carries the terminal's token, on a till paired with a server, is taken
//! to the provider before the sale is written: first the checkout is tried and rolled back
//! (a card is charged only for a sale that will be written), then the card goes to the server
//! under the checkout's idempotency key and ids kept beforehand (`cards::attempt`), so a
//! retry after a crash finds the same payment. Captured: the sale is written with the card
//! captured. Declined: nothing is written and the answer is `card_declined`, so the cashier
//! takes another payment. The server or the provider out of reach: the card is taken offline
//! under the device's limits, and forwarded with the same key at the next sync.
//!
//! A refund's card shares are paid back the same way right after the refund is written
//! ([`Api::pay_back_cards`]): on a paired till they go to the provider through the server now;
//! the server out of reach leaves them pending, forwarded at the next sync.

use crate::{Api, ApiError, ApiResult};
use kassa_domain::ErrorCode;
use kassa_domain::selling::tender::TenderKind;
use kassa_store::Store;
use kassa_store::foundation::{device, ids, sync_state};
use kassa_store::selling::cards::{self, Captured, OutcomeStatus};
use kassa_store::selling::checkout::TenderRequest;
use kassa_store::selling::order;
use kassa_store::selling::refund::{self, RefundOutcome};
use kassa_sync_client::blocking;
use kassa_sync_protocol::wire::{CardPaymentRequest, CardPaymentResponse};

/// The card provider's answer to a card asked for now ([`Api::ask_provider`]).
pub(crate) enum ProviderAnswer {
    Captured(CardPaymentResponse),
    /// Declined, with why (the provider's decline code).
    Declined(String),
    /// Not decided yet, or the server or the provider out of reach: the card is kept as taken
    /// offline and forwarded under the same key at the next sync.
    Waiting,
}

/// The token of the card to take to the provider now, if any: a card tender with the
/// terminal's token, on a paired till, in a checkout not written yet. A checkout without a
/// key gets one here (the provider needs it).
pub(crate) fn card_to_take(
    store: &Store,
    tenders: &[TenderRequest],
    key: &mut Option<String>,
) -> ApiResult<Option<String>> {
    let Some(token) = tenders
        .iter()
        .filter(|t| t.kind == TenderKind::Card)
        .find_map(|t| t.card.as_ref().and_then(|c| c.token.clone()))
    else {
        return Ok(None);
    };
    cards::check_token(&token)?;
    if sync_state::state(store.conn())?.is_none() {
        return Ok(None);
    }
    let key = key.get_or_insert_with(ids::new_id);
    if order::id_by_key(store.conn(), key)?.is_some() {
        // A replay of a sale already written: it answers as the first time did.
        return Ok(None);
    }
    Ok(Some(token))
}

impl Api {
    /// Takes the card with `token` to the provider through the server and notes the answer
    /// on its tender (see the module's documentation).
    pub(crate) fn take_card(
        &self,
        tenders: &mut [TenderRequest],
        key: &str,
        token: &str,
    ) -> ApiResult<()> {
        let Some(tender) = tenders.iter_mut().find(|t| {
            t.kind == TenderKind::Card
                && t.card.as_ref().and_then(|c| c.token.as_deref()) == Some(token)
        }) else {
            return Ok(());
        };
        let (mut attempt, currency) = {
            let mut store = self.store();
            let attempt = cards::attempt(&mut store, key, token)?;
            let dev = device::device(store.conn())?.ok_or_else(|| {
                ApiError::new(ErrorCode::NotSetUp, "this device has no store yet")
            })?;
            let currency = device::store(store.conn(), &dev.store_id)?.currency;
            (attempt, currency)
        };
        let req = CardPaymentRequest {
            payment_method: token.to_owned(),
            amount_minor: tender.amount_minor,
            currency: currency.code().to_owned(),
            order_id: attempt.order_id.clone(),
            payment_id: attempt.payment_id.clone(),
            idempotency_key: attempt.provider_key.clone(),
            taken_offline_at: None,
        };
        match self.ask_provider(&req)? {
            ProviderAnswer::Captured(answer) => {
                attempt.captured = Some(Captured {
                    intent_id: answer.intent_id.unwrap_or_default(),
                    brand: answer.brand,
                    last4: answer.last4,
                });
            }
            ProviderAnswer::Declined(why) => {
                return Err(ApiError::new(
                    ErrorCode::CardDeclined,
                    format!(
                        "the card provider declined the card ({why}); nothing was sold: take another payment"
                    ),
                ));
            }
            ProviderAnswer::Waiting => {}
        }
        if let Some(card) = tender.card.as_mut() {
            card.attempt = Some(attempt);
        }
        Ok(())
    }
}

impl Api {
    /// Asks the card provider, through the server, to take the card of `req` now: captured,
    /// declined, or waiting (not decided yet, or the server or the provider out of reach).
    /// Any other failure is the caller's error.
    pub(crate) fn ask_provider(&self, req: &CardPaymentRequest) -> ApiResult<ProviderAnswer> {
        match blocking::pay_card(&self.store, req) {
            Ok(answer) => Ok(match OutcomeStatus::parse(&answer.status) {
                Some(OutcomeStatus::Captured) => ProviderAnswer::Captured(answer),
                Some(OutcomeStatus::Declined) => ProviderAnswer::Declined(
                    answer
                        .decline_code
                        .unwrap_or_else(|| "card_declined".to_owned()),
                ),
                None => {
                    tracing::info!(status = %answer.status, "card not final: kept as taken offline");
                    ProviderAnswer::Waiting
                }
            }),
            Err(e)
                if matches!(
                    e.code,
                    ErrorCode::ServerUnreachable | ErrorCode::Unavailable
                ) =>
            {
                tracing::info!(error = %e.message, "card taken offline: the provider cannot be reached");
                Ok(ProviderAnswer::Waiting)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Sends the pending card refunds of `refund_id` (a sale's refund, or a booking) to the
    /// card provider through the server now, on a paired device; the server or the provider
    /// out of reach leaves them for the next sync, which is no error.
    pub(crate) fn send_card_refunds(&self, refund_id: &str) -> ApiResult<()> {
        if sync_state::state(self.store().conn())?.is_none() {
            return Ok(());
        }
        let forwarded = {
            // The outcomes are pushed right away: one sync at a time.
            let _one_at_a_time = self.sync_lock();
            blocking::forward_refunds(&self.store, refund_id)
        };
        match forwarded {
            Ok(kept) => tracing::info!(kept, refund_id, "card refund forwarded"),
            Err(e) => {
                tracing::info!(error = %e.message, refund_id, "card refund left pending: forwarded at the next sync")
            }
        }
        Ok(())
    }

    /// Pays the card shares of a refund just written back through the server's card provider
    /// now, on a paired till, and shows each share's status as it then stands (`refunded`,
    /// `failed`, or still `pending` when the server or the provider cannot be reached: the
    /// share is forwarded at the next sync). The refund stands whatever the answer.
    pub(crate) fn pay_back_cards(&self, out: &mut RefundOutcome) -> ApiResult<()> {
        if !out
            .tenders
            .iter()
            .any(|t| t.kind == "card" && t.status == "pending")
        {
            return Ok(());
        }
        self.send_card_refunds(&out.refund_id)?;
        let record = refund::load(self.store().conn(), &out.refund_id)?;
        for (t, r) in out.tenders.iter_mut().zip(record.tenders) {
            t.status = r.status;
        }
        Ok(())
    }
}
