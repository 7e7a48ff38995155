//! `POST /api/v1/emails/invitation`: a device hands over a staff invitation's one-time code
//! for the server to email, once per email id. The code reaches the server only here (never
//! through sync); the sender writes the letter (`template::invitation_letter`) and, once it
//! is sent or failed for good, the storage blanks the payload that held the code. The subject
//! kept is the device's (what its email list shows); the letter's is written again in the
//! store's language when it is sent.

use crate::auth::AuthDevice;
use crate::error::{ApiError, ApiJson};
use crate::state::{AppState, timestamp};
use crate::validate::check_uuid;
use axum::Json;
use axum::extract::State;
use kassa_server_storage::{EmailStatus, INVITATION_EMAIL_KIND, NewEmail};
use kassa_sync_protocol::wire::{
    InvitationEmailRequest, InvitationEmailResponse, MAX_INVITATION_CODE_CHARS,
};
use serde_json::json;

/// The longest name and reason the request may carry.
const MAX_TEXT_CHARS: usize = 200;

fn check_text(what: &str, value: &str) -> Result<(), ApiError> {
    if value.trim().is_empty()
        || value.chars().count() > MAX_TEXT_CHARS
        || value.chars().any(char::is_control)
    {
        return Err(ApiError::invalid(format!(
            "{what} must be 1 to {MAX_TEXT_CHARS} characters without control characters"
        )));
    }
    Ok(())
}

/// Checks every field; answers the address as it is kept.
fn check_request(req: &InvitationEmailRequest) -> Result<String, ApiError> {
    check_uuid("id", &req.id)?;
    check_uuid("invitation_id", &req.invitation_id)?;
    if req.kind != "invite" && req.kind != "reenrol" {
        return Err(ApiError::invalid("kind must be invite or reenrol"));
    }
    let to = kassa_domain::email::validate_email(&req.to_address)
        .map_err(|e| ApiError::invalid(format!("to_address: {}", e.message)))?;
    check_text("subject", &req.subject)?;
    if let Some(name) = &req.display_name {
        check_text("display_name", name)?;
    }
    kassa_domain::role::Role::parse(&req.role)
        .map_err(|_| ApiError::invalid("role must be cashier, agent, manager or admin"))?;
    chrono::DateTime::parse_from_rfc3339(&req.expires_at)
        .map_err(|_| ApiError::invalid("expires_at must be an RFC 3339 time"))?;
    match (&req.code, &req.withdrawn) {
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "give either the code or why the email is withdrawn, not both",
        )),
        (None, None) => Err(ApiError::invalid(
            "code is required (or withdrawn, with the reason)",
        )),
        (None, Some(reason)) => check_text("withdrawn", reason).map(|()| to),
        (Some(code), None) => {
            let fine = !code.is_empty()
                && code.chars().count() <= MAX_INVITATION_CODE_CHARS
                && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if fine {
                Ok(to)
            } else {
                Err(ApiError::invalid(format!(
                    "code must be 1 to {MAX_INVITATION_CODE_CHARS} letters, digits or dashes"
                )))
            }
        }
    }
}

pub(crate) async fn send_invitation(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    ApiJson(req): ApiJson<InvitationEmailRequest>,
) -> Result<Json<InvitationEmailResponse>, ApiError> {
    let to = check_request(&req)?;
    let email = NewEmail {
        id: req.id.clone(),
        kind: INVITATION_EMAIL_KIND.to_owned(),
        to_address: to,
        subject: req.subject.trim().to_owned(),
        ref_id: Some(req.invitation_id.clone()),
        payload: json!({
            "invitation_kind": req.kind, "display_name": req.display_name, "role": req.role,
            "expires_at": req.expires_at, "code": req.code,
        }),
    };
    let record = state
        .storage
        .queue_email(
            &device.store_id,
            &device.device_id,
            email,
            req.withdrawn.clone(),
            &timestamp(state.now()),
        )
        .await?;
    if record.status == EmailStatus::Queued {
        state.mail_wake.notify_one();
    }
    Ok(Json(InvitationEmailResponse {
        id: record.id,
        status: record.status.as_str().to_owned(),
    }))
}
