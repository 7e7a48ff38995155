// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * One bad row of an import.
 */
export type ImportErrorDto = { 
/**
 * The line in the file, the header being line 1.
 */
line: number, column: string | null, message: string, };
