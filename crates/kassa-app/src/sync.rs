//! Sync with the server: pairing this device, syncing now, the store's devices, and the
//! emails the server sends.
//!
//! The engine (`kassa-sync-client`) locks the store only between its network calls, so
//! these commands never hold it while the server is waited on.

use crate::dto::{
    ConflictDto, ConflictResolveInput, ConflictsInput, ConflictsOutput, DeviceRef, EmailStatusDto,
    EmailsListInput, EmailsOutput, NoInput, Ok, OutboxGroupDto, OutboxKindDto, OutboxSummaryDto,
    PairingCodeDto, StoreDeviceDto, StoreDevicesOutput, SyncPairInput, SyncPairOutput,
    SyncReportDto,
};
use crate::{Api, ApiError, ApiResult};
use kassa_domain::ErrorCode;
use kassa_domain::role::Permission;
use kassa_store::foundation::apply::conflicts;
use kassa_store::foundation::outbox::{self, OutboxKind};
use kassa_store::foundation::{device, known_devices, sync_state};
use kassa_store::selling::email;
use kassa_sync_client::blocking;

impl Api {
    /// Pairs this device with the server as a device of its store (admins). A device with
    /// no store yet joins the store the code was made for and downloads it; no one can be
    /// signed in there yet, so the one-time code is the whole authority.
    pub fn sync_pair(&self, input: SyncPairInput) -> ApiResult<SyncPairOutput> {
        let (server_url, code) = pairing_target(&input.server_url, &input.code)?;
        let input = SyncPairInput {
            server_url,
            code,
            ..input
        };
        let _one_at_a_time = self.sync_lock();
        let joining = device::device(self.store().conn())?.is_none();
        if joining {
            let joined = blocking::join(
                &self.store,
                &input.server_url,
                &input.code,
                input.device_name.as_deref(),
            )?;
            self.sync_signal.nudge();
            return Ok(SyncPairOutput {
                device_id: joined.device_id,
                store_id: joined.store_id,
                device_code: joined.device_code,
                clock_warning: joined.clock_warning,
                pulled: joined.pulled,
            });
        }
        let me = self.require(Permission::ManageDevices)?;
        let paired = blocking::pair(
            &self.store,
            &input.server_url,
            &input.code,
            input.device_name.as_deref(),
            Some(&me.staff_id),
        )?;
        self.sync_signal.nudge();
        Ok(SyncPairOutput {
            device_id: paired.device_id,
            store_id: paired.store_id,
            device_code: paired.device_code,
            clock_warning: paired.clock_warning,
            pulled: paired.pulled,
        })
    }

    /// Syncs with the paired server now: the outbox is pushed until the server holds it all.
    pub fn sync_now(&self, _: NoInput) -> ApiResult<SyncReportDto> {
        self.signed_in()?;
        let report = {
            let _one_at_a_time = self.sync_lock();
            blocking::sync_once(&self.store)?
        };
        Ok(SyncReportDto {
            pushed: report.pushed,
            pulled: report.pulled,
            conflicts: report.conflicts,
            cards: report.cards,
            refunds: report.refunds,
            allotments: report.allotments,
        })
    }

    /// What has not reached the server yet, grouped by kind (anyone signed in: an unsynced
    /// sale is never hidden).
    pub fn outbox_summary(&self, _: NoInput) -> ApiResult<OutboxSummaryDto> {
        self.signed_in()?;
        let store = self.store();
        let total = outbox::summary(store.conn())?;
        let groups = outbox::by_kind(store.conn())?
            .into_iter()
            .map(|g| OutboxGroupDto {
                kind: kind_dto(g.kind),
                changes: g.changes,
                records: g.records,
                oldest_at: g.oldest_at,
                newest_at: g.newest_at,
            })
            .collect();
        Ok(OutboxSummaryDto {
            pending_changes: total.pending,
            pending_bytes: total.bytes,
            groups,
        })
    }

    /// The conflicts the merge recorded between devices' changes, oldest first: the open
    /// ones, or all with `all` (managers and admins).
    pub fn conflicts_list(&self, input: ConflictsInput) -> ApiResult<ConflictsOutput> {
        self.require(Permission::ResolveConflicts)?;
        let limit = input.limit.unwrap_or(500).clamp(1, 5_000);
        let conflicts = conflicts::list(self.store().conn(), input.all.unwrap_or(false), limit)?
            .into_iter()
            .map(conflict_dto)
            .collect();
        Ok(ConflictsOutput { conflicts })
    }

    /// Records a manager's decision on an open conflict (managers and admins); audited. The
    /// decision syncs and closes the same conflict on every device of the store.
    pub fn conflict_resolve(&self, input: ConflictResolveInput) -> ApiResult<ConflictDto> {
        let me = self.require(Permission::ResolveConflicts)?;
        let mut store = self.store();
        conflicts::resolve(
            &mut store,
            &input.conflict_id,
            &me.staff_id,
            &input.resolution,
        )?;
        let resolved = conflicts::list(store.conn(), true, u32::MAX)?
            .into_iter()
            .find(|c| c.id == input.conflict_id)
            .ok_or_else(|| {
                crate::ApiError::new(
                    kassa_domain::ErrorCode::Internal,
                    "the resolved conflict cannot be read back",
                )
            })?;
        Ok(conflict_dto(resolved))
    }

    /// The store's devices, as the server lists them (admins).
    pub fn devices_list(&self, _: NoInput) -> ApiResult<StoreDevicesOutput> {
        self.require(Permission::ManageDevices)?;
        let this = device::device(self.store().conn())?.map(|d| d.id);
        // The server's list, kept for when it is out of reach; then the list as last heard.
        let (devices, heard_at) = match blocking::devices(&self.store) {
            Ok(list) => (list, None),
            Err(e) if e.code == ErrorCode::ServerUnreachable => {
                let known = known_devices::list(self.store().conn())?;
                match known.heard_at {
                    Some(at) => (known.devices, Some(at)),
                    None => return Err(e.into()),
                }
            }
            Err(e) => return Err(e.into()),
        };
        let devices = devices
            .into_iter()
            .map(|d| StoreDeviceDto {
                this_device: this.as_deref() == Some(d.device_id.as_str()),
                device_id: d.device_id,
                device_code: d.device_code,
                name: d.name,
                paired_at: d.paired_at,
                last_sync_at: d.last_sync_at,
                acked_seq: d.acked_seq,
                revoked_at: d.revoked_at,
            })
            .collect();
        Ok(StoreDevicesOutput { devices, heard_at })
    }

    /// A one-time code from the server for another device to join this store, with its QR
    /// code (admins); audited. The code is shown once and never kept here.
    pub fn device_pairing_code(&self, _: NoInput) -> ApiResult<PairingCodeDto> {
        let me = self.require(Permission::ManageDevices)?;
        let server_url = sync_state::state(self.store().conn())?
            .ok_or_else(sync_state::not_paired)?
            .server_url;
        let issued = blocking::pairing_code(&self.store, Some(&me.staff_id))?;
        let pairing_uri = url::Url::parse_with_params(
            "kassa://pair",
            [
                ("server", server_url.as_str()),
                ("code", issued.code.as_str()),
            ],
        )
        .map_err(|e| kassa_domain::Error::internal(format!("pairing link: {e}")))?
        .to_string();
        Ok(PairingCodeDto {
            qr_svg: crate::setup::qr_svg(&pairing_uri)?,
            code: issued.code,
            server_url,
            store_id: issued.store_id,
            expires_at: issued.expires_at,
            pairing_uri,
        })
    }

    /// Revokes a device of the store: it may no longer sync until paired again (admins).
    pub fn device_revoke(&self, input: DeviceRef) -> ApiResult<Ok> {
        let me = self.require(Permission::ManageDevices)?;
        blocking::revoke(&self.store, &input.device_id, Some(&me.staff_id))?;
        Ok(Ok { ok: true })
    }
}

fn kind_dto(kind: OutboxKind) -> OutboxKindDto {
    match kind {
        OutboxKind::Sales => OutboxKindDto::Sales,
        OutboxKind::Refunds => OutboxKindDto::Refunds,
        OutboxKind::Cash => OutboxKindDto::Cash,
        OutboxKind::Stock => OutboxKindDto::Stock,
        OutboxKind::Catalog => OutboxKindDto::Catalog,
        OutboxKind::Customers => OutboxKindDto::Customers,
        OutboxKind::Vouchers => OutboxKindDto::Vouchers,
        OutboxKind::Bookings => OutboxKindDto::Bookings,
        OutboxKind::Staff => OutboxKindDto::Staff,
        OutboxKind::Settings => OutboxKindDto::Settings,
        OutboxKind::Emails => OutboxKindDto::Emails,
        OutboxKind::Conflicts => OutboxKindDto::Conflicts,
        OutboxKind::Audit => OutboxKindDto::Audit,
        OutboxKind::Other => OutboxKindDto::Other,
    }
}

fn conflict_dto(c: conflicts::Conflict) -> ConflictDto {
    ConflictDto {
        id: c.id,
        kind: c.kind,
        entity: c.entity,
        entity_id: c.entity_id,
        detail: c.detail,
        change_id: c.change_id,
        device_id: c.device_id,
        created_at: c.created_at,
        resolved_at: c.resolved_at,
        resolved_by: c.resolved_by,
        resolution: c.resolution,
    }
}

/// An email as the UI shows it, with where it stands as this device last heard.
pub(crate) fn email_dto(e: email::QueuedEmail) -> EmailStatusDto {
    EmailStatusDto {
        id: e.id,
        kind: e.kind,
        to: e.to_address,
        subject: e.subject,
        status: e.status,
        on_server: e.on_server,
        attempts: e.attempts,
        last_error: e.last_error,
        queued_at: e.created_at,
        sent_at: e.sent_at,
        ref_id: e.ref_id,
    }
}

/// `text` percent-encoded for a URI's query (RFC 3986 unreserved characters stay).
/// What a pairing link holds (`kassa://pair?server=…&code=…`: the QR code of a pairing code,
/// and what a 2D scanner types when it reads it), or the address and code as typed. A link
/// with a code typed beside it must carry the same code.
pub(crate) fn pairing_target(server_url: &str, code: &str) -> ApiResult<(String, String)> {
    let text = server_url.trim();
    let typed = code.trim();
    if !text.to_ascii_lowercase().starts_with("kassa:") {
        return Ok((text.to_string(), typed.to_string()));
    }
    let bad = || {
        ApiError::new(
            ErrorCode::InvalidInput,
            "this is not a whole pairing link (kassa://pair?server=…&code=…): scan it again or type the server's address and the code",
        )
    };
    let link = url::Url::parse(text).map_err(|_| bad())?;
    if link.host_str() != Some("pair") {
        return Err(bad());
    }
    let (mut server, mut link_code) = (None, None);
    for (key, value) in link.query_pairs() {
        match key.as_ref() {
            "server" => server = Some(value.trim().to_string()),
            "code" => link_code = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let (Some(server), Some(link_code)) = (server, link_code) else {
        return Err(bad());
    };
    if server.is_empty() || link_code.is_empty() {
        return Err(bad());
    }
    if !typed.is_empty() && !typed.eq_ignore_ascii_case(&link_code) {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "the code typed is not the one in the pairing link: clear the code, or type the server's address instead of the link",
        ));
    }
    Ok((server, link_code))
}

impl Api {
    /// The emails the server sends for this store, newest first, with where each stands as
    /// this device last heard (managers and admins, as for the audit log).
    pub fn emails_list(&self, input: EmailsListInput) -> ApiResult<EmailsOutput> {
        self.require(Permission::ViewAudit)?;
        let filter = email::EmailFilter::parse(input.filter.as_deref().unwrap_or("all"))?;
        let limit = input.limit.unwrap_or(200).clamp(1, 2_000);
        let (list, counts) = email::recent(self.store().conn(), filter, limit)?;
        Ok(EmailsOutput {
            emails: list.into_iter().map(email_dto).collect(),
            waiting: counts.waiting,
            sent: counts.sent,
            failed: counts.failed,
        })
    }
}

#[cfg(test)]
mod pairing_link_tests {
    use super::pairing_target;

    #[test]
    fn a_pairing_link_gives_the_server_and_the_code() {
        let link = url::Url::parse_with_params(
            "kassa://pair",
            [
                ("server", "https://sync.example.com:8443/kassa"),
                ("code", "7KQ2-M9XD"),
            ],
        )
        .unwrap()
        .to_string();
        assert_eq!(
            pairing_target(&format!("  {link} "), "").unwrap(),
            (
                "https://sync.example.com:8443/kassa".into(),
                "7KQ2-M9XD".into()
            )
        );
        assert_eq!(
            pairing_target(&link, "7kq2-m9xd").unwrap().1,
            "7KQ2-M9XD",
            "the same code typed beside it"
        );
        assert_eq!(
            pairing_target(&link, "OTHER").unwrap_err().code,
            "invalid_input"
        );
        for bad in [
            "kassa://pair?server=https%3A%2F%2Fx",
            "kassa://pair?code=7KQ2",
            "kassa://other?server=https%3A%2F%2Fx&code=1",
            "kassa:nonsense",
            "kassa://pair?server=&code=1",
        ] {
            assert_eq!(
                pairing_target(bad, "").unwrap_err().code,
                "invalid_input",
                "{bad}"
            );
        }
        assert_eq!(
            pairing_target(" http://127.0.0.1:8080 ", " CODE ").unwrap(),
            ("http://127.0.0.1:8080".into(), "CODE".into())
        );
    }
}
