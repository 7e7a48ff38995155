// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * An exported report.
 */
export type ReportFileDto = { format: string, 
/**
 * A name to save it under, e.g. `sales-by-product-2026-11-01-2026-11-30.csv`.
 */
file_name: string, 
/**
 * The CSV text (UTF-8), for csv.
 */
csv: string | null, 
/**
 * The file's bytes in base64, for pdf.
 */
base64: string | null, 
/**
 * Rows of the table.
 */
rows: number, };
