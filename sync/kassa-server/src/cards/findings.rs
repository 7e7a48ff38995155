//! `GET /api/v1/payments/findings`: what the server found about a store's card payments that a
//! manager should see, read from the server's audit trail: the fixes reconciliation with the
//! provider made, and the payments kept for a manager's review.

use crate::auth::AuthDevice;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kassa_sync_protocol::wire::{CardFinding, CardFindingsResponse};
use serde_json::Value;

/// The most findings one answer holds (the newest).
pub const MAX_FINDINGS: usize = 200;

/// The audit actions that are findings, without their `card_payment.` prefix.
const FINDINGS: [&str; 4] = [
    "recorded",
    "status_reconciled",
    "amount_differs",
    "offline_limits_broken",
];

pub(crate) async fn findings(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
) -> Result<Json<CardFindingsResponse>, ApiError> {
    let trail = state.storage.audit(&device.store_id).await?;
    let text = |d: &Value, k: &str| d.get(k).and_then(Value::as_str).map(str::to_owned);
    let findings = trail
        .into_iter()
        .rev()
        .filter_map(|e| {
            let finding = e.action.strip_prefix("card_payment.")?;
            if !FINDINGS.contains(&finding) {
                return None;
            }
            let d = &e.detail;
            Some(CardFinding {
                finding: finding.to_owned(),
                payment_id: text(d, "payment_id")?,
                order_id: text(d, "order_id")?,
                intent_id: text(d, "intent_id"),
                amount_minor: d.get("amount_minor").and_then(Value::as_i64)?,
                currency: text(d, "currency")?,
                status: text(d, "status")?,
                review: text(d, "review"),
                device_id: e.device_id,
                at: e.at,
            })
        })
        .take(MAX_FINDINGS)
        .collect();
    Ok(Json(CardFindingsResponse { findings }))
}
