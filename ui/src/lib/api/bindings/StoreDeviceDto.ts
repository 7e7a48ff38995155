// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * One device of the store, as the server lists it.
 */
export type StoreDeviceDto = { device_id: string, device_code: string, name: string, paired_at: string, last_sync_at: string | null, acked_seq: number, revoked_at: string | null, 
/**
 * True for the device answering.
 */
this_device: boolean, };
