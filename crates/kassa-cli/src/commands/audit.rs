//! `kassa audit verify` and `kassa audit list`.

use super::Outcome;
use crate::cli::AuditCommand;
use kassa_app::dto::{AuditListInput, NoInput};
use kassa_app::kassa_domain::ErrorCode;
use kassa_app::{Api, ApiError};

pub fn run(api: &Api, cmd: &AuditCommand) -> Result<Outcome, ApiError> {
    match cmd {
        AuditCommand::Verify => {
            let r = api.audit_verify(NoInput {})?;
            let human = match &r.first_bad {
                None => format!("Audit trail verified: {} entries, chain intact.", r.entries),
                Some(b) => format!(
                    "AUDIT TRAIL BROKEN at entry {} (device {}, #{}): {}.",
                    b.id, b.device_id, b.device_seq, b.description
                ),
            };
            let broken = (!r.ok).then(|| {
                ApiError::new(
                    ErrorCode::Storage,
                    match &r.first_bad {
                        Some(b) => format!(
                            "the audit trail is broken at entry {} (device {}, #{}): {}",
                            b.id, b.device_id, b.device_seq, b.description
                        ),
                        None => "the audit trail is broken".to_string(),
                    },
                )
            });
            let outcome = Outcome::new(&r, human);
            // A broken chain is reported in full, and the command fails, so scripts notice.
            Ok(match broken {
                Some(e) => outcome.failing(e),
                None => outcome,
            })
        }
        AuditCommand::List {
            action,
            entity,
            id,
            limit,
        } => {
            let out = api.audit_list(AuditListInput {
                action_prefix: action.clone(),
                entity: entity.clone(),
                entity_id: id.clone(),
                limit: Some(*limit),
                ..Default::default()
            })?;
            let mut human: String = out
                .entries
                .iter()
                .map(|e| {
                    format!(
                        "{}  {:28} {:24} {}\n",
                        e.at_utc,
                        e.action,
                        e.actor_email.as_deref().unwrap_or("-"),
                        e.entity_id.as_deref().unwrap_or("")
                    )
                })
                .collect();
            human.push_str(if out.chain.ok {
                "chain: verified"
            } else {
                "chain: BROKEN"
            });
            Ok(Outcome::new(&out, human))
        }
    }
}
