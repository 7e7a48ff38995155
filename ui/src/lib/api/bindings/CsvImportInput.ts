// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A CSV file to import.
 */
export type CsvImportInput = { 
/**
 * The file's text (UTF-8; comma- or semicolon-separated, with a header line).
 */
csv: string, 
/**
 * Check only: report what would happen and write nothing.
 */
dry_run: boolean, };
