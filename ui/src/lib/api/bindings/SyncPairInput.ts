// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Pairs this device with a server, with a one-time pairing code.
 */
export type SyncPairInput = { 
/**
 * `https://...`; plain `http://` only for a server on this machine.
 */
server_url: string, code: string, 
/**
 * The name in the store's device list; this device's own name when absent.
 */
device_name?: string, };
