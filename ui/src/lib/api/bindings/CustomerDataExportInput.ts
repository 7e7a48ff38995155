// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Everything held about one customer, in a format.
 */
export type CustomerDataExportInput = { id: string, 
/**
 * `json` or `csv`.
 */
format: string, };
