//! What the first screen and the top bar show: store, device, session and sync.

use crate::dto::{AppStatus, DemoLogin, DeviceDto, NoInput, PairedDto, StoreDto, SyncStatusDto};
use crate::{Api, ApiResult};
use kassa_domain::totp;
use kassa_store::foundation::apply::conflicts;
use kassa_store::foundation::{device, outbox, sync_state};
use kassa_store::identity::staff;

impl Api {
    /// Set up or not; the store, this device and who is signed in; sync state.
    pub fn app_status(&self, _: NoInput) -> ApiResult<AppStatus> {
        // Looking does not count as use: polling this never keeps a session from locking.
        let session = self
            .session_state(false)
            .ok()
            .flatten()
            .map(|(a, s)| a.dto(None, s.locked_at.is_some()));
        let store = self.store();
        let dev = device::device(store.conn())?;
        let (store_dto, device_dto, demo) = match &dev {
            None => (None, None, None),
            Some(d) => {
                let s = device::store(store.conn(), &d.store_id)?;
                let demo = if d.demo {
                    Some(demo_logins(&store)?)
                } else {
                    None
                };
                (
                    Some(StoreDto {
                        id: s.id,
                        code: s.code,
                        name: s.name,
                        currency: s.currency.code().to_string(),
                        currency_exponent: s.currency.exponent(),
                    }),
                    Some(DeviceDto {
                        id: d.id.clone(),
                        code: d.code.clone(),
                        name: d.name.clone(),
                        key_source: store.key_source().describe().to_string(),
                    }),
                    demo,
                )
            }
        };
        let sync = sync_status(&store, &self.sync_signal)?;
        let shift = match &dev {
            Some(d) => kassa_store::selling::shift::open_shift(store.conn(), &d.id)?.map(|s| {
                crate::dto::ShiftBadge {
                    number: s.number,
                    opened_at: s.opened_at,
                }
            }),
            None => None,
        };
        Ok(AppStatus {
            shift,
            set_up: dev.is_some(),
            store: store_dto,
            device: device_dto,
            session,
            sync,
            demo_logins: demo,
            version: env!("CARGO_PKG_VERSION").to_string(),
        })
    }

    /// Where this device stands with the server.
    pub fn sync_status(&self, _: NoInput) -> ApiResult<SyncStatusDto> {
        Ok(sync_status(&self.store(), &self.sync_signal)?)
    }
}

fn sync_status(
    store: &kassa_store::Store,
    signal: &crate::sync_worker::SyncSignal,
) -> kassa_store::Result<SyncStatusDto> {
    let o = outbox::summary(store.conn())?;
    let open_conflicts = conflicts::open_count(store.conn())?;
    let card_alarms = kassa_store::selling::cards::alarms(store.conn(), store.clock().now())?;
    let Some(s) = sync_state::state(store.conn())? else {
        return Ok(SyncStatusDto {
            state: "not_paired".to_string(),
            pending_changes: o.pending,
            pending_bytes: o.bytes,
            last_sync_at: None,
            paired: None,
            last_error: None,
            open_conflicts,
            pull_remaining: None,
            card_alarms,
        });
    };
    let state = if signal.syncing() {
        "syncing"
    } else if s.last_error.is_some() || s.last_sync_at.is_none() {
        "offline"
    } else {
        "online"
    };
    Ok(SyncStatusDto {
        state: state.to_string(),
        pending_changes: o.pending,
        pending_bytes: o.bytes,
        last_sync_at: s.last_sync_at,
        paired: Some(PairedDto {
            server_url: s.server_url,
            device_code: s.device_code,
            paired_at: s.paired_at,
            acked_seq: s.acked_seq,
        }),
        last_error: s.last_error,
        open_conflicts,
        pull_remaining: signal.remaining(),
        card_alarms,
    })
}

/// The demo store's credentials with each authenticator's current code.
fn demo_logins(store: &kassa_store::Store) -> kassa_store::Result<Vec<DemoLogin>> {
    let key = store.store_key()?;
    let now = u64::try_from(store.clock().now().timestamp()).unwrap_or(0);
    let mut out = Vec::new();
    for member in staff::list(store.conn())? {
        let Some(password) = crate::setup::demo_password(member.role) else {
            continue;
        };
        let Some(sealed) = &member.totp_secret_enc else {
            continue;
        };
        let secret = key.open(sealed, &staff::Staff::totp_context(&member.id))?;
        out.push(DemoLogin {
            email: member.email.clone(),
            role: member.role.as_str().to_string(),
            password: password.to_string(),
            current_code: totp::code_at(&secret, now)?,
        });
    }
    out.sort_by_key(|d| std::cmp::Reverse(kassa_domain::role::Role::parse(&d.role).ok()));
    Ok(out)
}
