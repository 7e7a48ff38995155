// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * What pairing gave this device.
 */
export type SyncPairOutput = { device_id: string, store_id: string, 
/**
 * The code the server gave this device; its receipt numbers carry it.
 */
device_code: string, 
/**
 * Set when the server's clock is far ahead of this device's.
 */
clock_warning: string | null, 
/**
 * Changes of the store applied right after pairing: a joining device's download.
 */
pulled: number, };
