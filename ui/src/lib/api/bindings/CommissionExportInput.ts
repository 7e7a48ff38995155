// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A statement as a file: `format` is `csv` or `pdf`.
 */
export type CommissionExportInput = { staff?: string, from: string, to: string, format: string, 
/**
 * The file's language (`en`, `de`): the person's; the store's receipt language when not
 * given.
 */
language?: string, };
