// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * This device.
 */
export type DeviceDto = { id: string, code: string, name: string, 
/**
 * Where the device key is kept: "OS keyring" or "KASSA_DEVICE_KEY".
 */
key_source: string, };
