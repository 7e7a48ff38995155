//! Card payments for bookings, through the server's card provider.
//!
//! Online, the card is captured first, then the payment is written, captured, with the
//! provider's PaymentIntent. A decline writes nothing (`card_declined`): the agent takes
//! another payment.
//!
//! With the server or the provider out of reach (or on a device not paired yet), the card is
//! taken offline, as at a sale's checkout: within the store's offline card limits (per
//! payment, this device's total still waiting, and the oldest one's age), the payment is
//! written `offline_pending` with the terminal's token kept on this device, and it counts as
//! paid (a deposit confirms the booking). The next sync forwards it under the same key. A
//! decline then takes it back: the booking owes that amount again, the agent's commission on
//! it is reversed, and a manager gets a `card_declined` task naming the booking and how to
//! reach the customer.
//!
//! The card goes under ids kept beforehand (`cards::attempt_for_booking`), so asking again
//! with the same key after a lost answer charges once and writes the payment once.
//!
//! Money going back (a cancellation's refund, an amendment's difference) returns to each card
//! payment it came from: the refund rows are written pending with the cancellation, then paid
//! back through the provider at once when the server answers ([`Api::pay_back_booking_cards`]),
//! else at the next sync; a card taken offline is paid back once the provider captured it,
//! and a declined one's refund never goes out (nothing was charged).

use crate::cards::ProviderAnswer;
use crate::{Api, ApiError, ApiResult};
use kassa_domain::ErrorCode;
use kassa_domain::role::Permission;
use kassa_store::bookings::{
    self, Booking, BookingTender, CardCapture, OfflineCard, PaymentOutcome,
};
use kassa_store::foundation::{ids, sync_state};
use kassa_store::selling::cards;
use kassa_sync_protocol::wire::CardPaymentRequest;

impl Api {
    /// Takes `amount_minor` by card (the terminal's `token`) for booking `booking`: captured
    /// by the provider through the server, or taken offline under the store's limits when the
    /// provider cannot be asked (see the module's documentation). `key` makes a retry the same
    /// payment.
    pub(crate) fn pay_booking_by_card(
        &self,
        booking: &str,
        amount_minor: i64,
        token: Option<&str>,
        key: Option<&str>,
    ) -> ApiResult<PaymentOutcome> {
        let token = token.map(str::trim).filter(|t| !t.is_empty()).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                "a card payment needs the card terminal's token (pm_...); never type a card number",
            )
        })?;
        cards::check_token(token)?;
        let key = match key.map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => k.to_owned(),
            None => ids::new_id(),
        };
        let (b, attempt, paired) = {
            let mut cx = self.begin(Permission::Book)?;
            let held = bookings::get(cx.store.conn(), booking)?;
            let attempt = cards::attempt_for_booking(&mut cx.store, &key, token, &held.id)?;
            if attempt.order_id != held.id {
                return Err(ApiError::new(
                    ErrorCode::IdempotencyMismatch,
                    "this key was used for another payment; take the card under a new key",
                ));
            }
            // Written already (the answer was lost): the same payment answers.
            if let Some(p) = held.payments.iter().find(|p| p.id == attempt.payment_id) {
                return Ok(PaymentOutcome {
                    receipt_number: p.receipt_number.clone(),
                    payment_id: p.id.clone(),
                    booking: held,
                });
            }
            let now = cx.store.clock().now();
            let b = bookings::payable(cx.store.conn(), &held.id, amount_minor, now)?;
            let paired = sync_state::state(cx.store.conn())?.is_some();
            (b, attempt, paired)
        };
        let offline = BookingTender::OfflineCard(OfflineCard {
            payment_id: attempt.payment_id.clone(),
            token: token.to_owned(),
            provider_key: attempt.provider_key.clone(),
        });
        let tender = if paired {
            let req = CardPaymentRequest {
                payment_method: token.to_owned(),
                amount_minor,
                currency: b.currency.clone(),
                order_id: b.id.clone(),
                payment_id: attempt.payment_id.clone(),
                idempotency_key: attempt.provider_key.clone(),
                taken_offline_at: None,
            };
            match self.ask_provider(&req)? {
                ProviderAnswer::Captured(answer) => BookingTender::Card(CardCapture {
                    payment_id: attempt.payment_id.clone(),
                    intent_id: answer.intent_id.unwrap_or_default(),
                    // Only what reads as a brand and four digits is kept: an odd answer
                    // never stops a captured card from being written.
                    brand: answer.brand.filter(|b| {
                        b.chars().count() <= 32
                            && b.chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '_')
                    }),
                    last4: answer
                        .last4
                        .filter(|l| l.len() == 4 && l.bytes().all(|c| c.is_ascii_digit())),
                }),
                ProviderAnswer::Declined(why) => {
                    return Err(ApiError::new(
                        ErrorCode::CardDeclined,
                        format!(
                            "the card provider declined the card ({why}); nothing was taken for booking {}: take another payment",
                            b.reference
                        ),
                    ));
                }
                ProviderAnswer::Waiting => offline,
            }
        } else {
            offline
        };
        let captured = matches!(tender, BookingTender::Card(_));
        let mut cx = self.begin(Permission::Book)?;
        let (store_id, staff) = (cx.store_id.clone(), cx.me.staff_id.clone());
        cx.store
            .write(|tx| bookings::pay(tx, &store_id, &staff, &b.id, tender, amount_minor))
            .map_err(|e| {
                if !captured {
                    return ApiError::from(e);
                }
                tracing::error!(payment = %attempt.payment_id, error = %e.message, "a captured card was not written");
                ApiError::new(
                    e.code,
                    format!(
                        "the card was charged but the payment could not be written ({}); ask again with the same key to write it, or refund it from the server's card payments",
                        e.message
                    ),
                )
            })
    }

    /// Pays the card refunds of booking `b` still pending back through the server's card
    /// provider now, on a paired device; the server out of reach leaves them for the next
    /// sync. Answers the booking as it then stands.
    pub(crate) fn pay_back_booking_cards(&self, b: Booking) -> ApiResult<Booking> {
        let pending = b
            .payments
            .iter()
            .any(|p| p.card_refund_status.as_deref() == Some("pending"));
        if !pending {
            return Ok(b);
        }
        self.send_card_refunds(&b.id)?;
        Ok(bookings::get(self.store().conn(), &b.id)?)
    }
}
