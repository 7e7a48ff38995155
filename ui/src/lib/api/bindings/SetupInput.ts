// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * First-run setup: the store, its currency and the first admin.
 */
export type SetupInput = { store_name: string, 
/**
 * ISO 4217 code such as `EUR`.
 */
currency: string, admin_email: string, admin_name?: string, password: string, 
/**
 * 2–8 letters or digits used in receipt numbers; derived from the name when absent.
 */
store_code?: string, device_name?: string, };
