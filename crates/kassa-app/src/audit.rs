//! The audit trail through the API: verification and the audit screen's list.

use crate::dto::{
    AuditEntryDto, AuditListInput, AuditListOutput, AuditVerifyOutput, BadAuditEntry, NoInput,
};
use crate::{Api, ApiResult};
use kassa_domain::audit::Break;
use kassa_domain::role::Permission;
use kassa_store::foundation::audit::{self, AuditFilter, ChainReport, VerifyMode};

fn reason(b: Break) -> &'static str {
    match b {
        Break::Altered => "altered",
        Break::Unlinked => "unlinked",
        Break::Missing => "missing",
        Break::TailMissing => "tail_missing",
        Break::DiffersFromServer => "differs_from_server",
    }
}

fn report_dto(r: ChainReport) -> AuditVerifyOutput {
    AuditVerifyOutput {
        ok: r.ok,
        entries: r.entries,
        first_bad: r.first_bad.map(|b| BadAuditEntry {
            id: b.id,
            device_id: b.device_id,
            device_seq: b.device_seq,
            reason: reason(b.reason).to_string(),
            description: b.reason.describe().to_string(),
        }),
    }
}

impl Api {
    /// Verifies every device's whole audit chain, and that each other device's chain reaches
    /// the head the server published. Needs no session: it reads no secrets and an admin
    /// must be able to check a device whose staff cannot sign in.
    pub fn audit_verify(&self, _: NoInput) -> ApiResult<AuditVerifyOutput> {
        Ok(report_dto(audit::verify(self.store().conn())?))
    }

    /// Lists audit entries, newest first, and the chain's state, verified from where the
    /// last verification ended (the screen lists often; `audit_verify` walks everything).
    pub fn audit_list(&self, input: AuditListInput) -> ApiResult<AuditListOutput> {
        self.require(Permission::ViewAudit)?;
        let store = self.store();
        let rows = audit::list(
            store.conn(),
            &AuditFilter {
                action_prefix: input.action_prefix,
                actor_id: input.actor_id,
                person_id: input.person_id,
                entity: input.entity,
                entity_id: input.entity_id,
                since: input.since,
                until: input.until,
                limit: input.limit.unwrap_or(200),
            },
        )?;
        let chain = report_dto(audit::verify_with(store.conn(), VerifyMode::Incremental)?);
        Ok(AuditListOutput {
            entries: rows
                .into_iter()
                .map(|r| AuditEntryDto {
                    id: r.entry.id,
                    device_id: r.entry.device_id,
                    device_seq: r.entry.device_seq,
                    at_utc: r.entry.at_utc,
                    clock_offset_ms: r.entry.clock_offset_ms,
                    actor_id: r.entry.actor_id,
                    actor_email: r.actor_email,
                    approver_id: r.entry.approver_id,
                    approver_email: r.approver_email,
                    action: r.entry.action,
                    entity: r.entry.entity,
                    entity_id: r.entry.entity_id,
                    before: r.entry.before,
                    after: r.entry.after,
                })
                .collect(),
            chain,
        })
    }
}
