// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A customer's data as a file to hand over.
 */
export type CustomerDataExportOutput = { 
/**
 * `json` or `csv`.
 */
format: string, 
/**
 * A file name to save it under, e.g. `customer-<id>.json`.
 */
filename: string, content: string, };
