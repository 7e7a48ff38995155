// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * The server this device is paired with.
 */
export type PairedDto = { server_url: string, device_code: string, paired_at: string, 
/**
 * The highest outbox sequence the server holds.
 */
acked_seq: number, };
