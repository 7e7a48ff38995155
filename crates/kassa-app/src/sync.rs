//! Sync with the server: pairing this device, syncing now, and the store's devices.
//!
//! The engine (`kassa-sync-client`) locks the store only between its network calls, so
//! these commands never hold it while the server is waited on.

use crate::dto::{
    DeviceRef, NoInput, Ok, StoreDeviceDto, StoreDevicesOutput, SyncPairInput, SyncPairOutput,
    SyncReportDto,
};
use crate::{Api, ApiResult};
use kassa_domain::role::Permission;
use kassa_store::foundation::device;
use kassa_sync_client::blocking;

impl Api {
    /// Pairs this device with the server as a device of its store (admins).
    pub fn sync_pair(&self, input: SyncPairInput) -> ApiResult<SyncPairOutput> {
        let me = self.require(Permission::ManageDevices)?;
        let paired = blocking::pair(
            &self.store,
            &input.server_url,
            &input.code,
            input.device_name.as_deref(),
            Some(&me.staff_id),
        )?;
        Ok(SyncPairOutput {
            device_id: paired.device_id,
            store_id: paired.store_id,
            device_code: paired.device_code,
            clock_warning: paired.clock_warning,
        })
    }

    /// Syncs with the paired server now: the outbox is pushed until the server holds it all.
    pub fn sync_now(&self, _: NoInput) -> ApiResult<SyncReportDto> {
        self.signed_in()?;
        let report = blocking::sync_once(&self.store)?;
        Ok(SyncReportDto {
            pushed: report.pushed,
            pulled: report.pulled,
            conflicts: report.conflicts,
        })
    }

    /// The store's devices, as the server lists them (admins).
    pub fn devices_list(&self, _: NoInput) -> ApiResult<StoreDevicesOutput> {
        self.require(Permission::ManageDevices)?;
        let this = device::device(self.store().conn())?.map(|d| d.id);
        let devices = blocking::devices(&self.store)?
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
        Ok(StoreDevicesOutput { devices })
    }

    /// Revokes a device of the store: it may no longer sync until paired again (admins).
    pub fn device_revoke(&self, input: DeviceRef) -> ApiResult<Ok> {
        let me = self.require(Permission::ManageDevices)?;
        blocking::revoke(&self.store, &input.device_id, Some(&me.staff_id))?;
        Ok(Ok { ok: true })
    }
}
