//! The calls the engine makes to the server, as a trait: HTTP in the product, in memory in
//! tests and simulations.

use kassa_domain::{Error, ErrorCode, Result};
use kassa_sync_protocol::wire::{
    AllotmentRequest, AllotmentResponse, CardFindingsResponse, CardPaymentRequest,
    CardPaymentResponse, CardRefundRequest, CardRefundResponse, DevicesResponse, EmailsResponse,
    HandshakeRequest, HandshakeResponse, InvitationEmailRequest, InvitationEmailResponse,
    PairRequest, PairResponse, PairingCodeResponse, PullResponse, PushRequest, PushResponse,
    RawPayload, StoreKeysResponse,
};
use std::future::Future;

/// The server's API under `/api/v1`. A refusal is a typed `kassa_domain::Error` (see
/// [`crate::HttpTransport`] for how the server's codes map); a network failure is
/// `server_unreachable`.
pub trait Transport {
    /// `POST /handshake`: which protocol and schema the server speaks, and its time.
    fn handshake(
        &self,
        req: &HandshakeRequest,
    ) -> impl Future<Output = Result<HandshakeResponse>> + Send;

    /// `POST /pair`: redeems a pairing code for this device's credentials.
    fn pair(&self, req: &PairRequest) -> impl Future<Output = Result<PairResponse>> + Send;

    /// `POST /push`: one batch of outbox changes, with the device's token.
    fn push(
        &self,
        token: &str,
        req: &PushRequest<RawPayload>,
    ) -> impl Future<Output = Result<PushResponse>> + Send;

    /// `GET /pull?after=&limit=`: the server's log after a cursor.
    fn pull(
        &self,
        token: &str,
        after: u64,
        limit: u32,
    ) -> impl Future<Output = Result<PullResponse>> + Send;

    /// `GET /devices`: the devices of this device's store.
    fn devices(&self, token: &str) -> impl Future<Output = Result<DevicesResponse>> + Send;

    /// `POST /devices/{id}/revoke`: a device of the store may no longer sync.
    fn revoke(&self, token: &str, device_id: &str) -> impl Future<Output = Result<()>> + Send;

    /// `GET /store-keys`: every epoch of the store's key (after a rotation the device
    /// lacks the newest).
    fn store_keys(&self, token: &str) -> impl Future<Output = Result<StoreKeysResponse>> + Send;

    /// `POST /pairing-codes`: a one-time code for another device to join this device's store.
    fn pairing_code(&self, token: &str)
    -> impl Future<Output = Result<PairingCodeResponse>> + Send;

    /// `GET /emails?updated_after=`: where the store's emails stand on the server (all, or
    /// those whose status changed at or after a time).
    fn emails(
        &self,
        token: &str,
        updated_after: Option<&str>,
    ) -> impl Future<Output = Result<EmailsResponse>> + Send;

    /// `POST /payments/card`: a card payment taken through the card provider, its outcome
    /// answered. A server that takes no card payments (one without a provider, as the
    /// in-memory servers of tests and simulations are) answers `unavailable`.
    fn pay_card(
        &self,
        _token: &str,
        _req: &CardPaymentRequest,
    ) -> impl Future<Output = Result<CardPaymentResponse>> + Send {
        async {
            Err(Error::new(
                ErrorCode::Unavailable,
                "this server takes no card payments",
            ))
        }
    }

    /// `POST /payments/refund`: a refund paid back to the card through the card provider,
    /// its outcome answered. A server that takes no card payments answers `unavailable`.
    fn refund_card(
        &self,
        _token: &str,
        _req: &CardRefundRequest,
    ) -> impl Future<Output = Result<CardRefundResponse>> + Send {
        async {
            Err(Error::new(
                ErrorCode::Unavailable,
                "this server takes no card payments",
            ))
        }
    }

    /// `GET /payments/findings`: what the server found about the store's card payments
    /// (reconciliation's fixes, payments kept for review), newest first.
    fn card_findings(
        &self,
        _token: &str,
    ) -> impl Future<Output = Result<CardFindingsResponse>> + Send {
        async {
            Err(Error::new(
                ErrorCode::Unavailable,
                "this server takes no card payments",
            ))
        }
    }

    /// `POST /emails/invitation`: a staff invitation's code for the server to email, once
    /// per email id. A server without the endpoint (the in-memory servers of some tests)
    /// answers `unavailable`, and the email waits on the device.
    fn send_invitation_email(
        &self,
        _token: &str,
        _req: &InvitationEmailRequest,
    ) -> impl Future<Output = Result<InvitationEmailResponse>> + Send {
        async {
            Err(Error::new(
                ErrorCode::Unavailable,
                "this server does not send invitation emails",
            ))
        }
    }

    /// `POST /allotments`: sets the seats of a capacity pool this device holds, in all, and
    /// answers the holding as it stands. More than the store's other devices leave free is
    /// `insufficient_seats` (the message names the seats held and free); a version at or
    /// below the one the server holds changes nothing. A server without allotments (the
    /// in-memory servers of some tests) answers `unavailable`.
    fn set_allotment(
        &self,
        _token: &str,
        _req: &AllotmentRequest,
    ) -> impl Future<Output = Result<AllotmentResponse>> + Send {
        async {
            Err(Error::new(
                ErrorCode::Unavailable,
                "this server holds no allotments",
            ))
        }
    }
}
