// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { ImportErrorDto } from "./ImportErrorDto";

/**
 * What an import did or would do. With any error nothing was written.
 */
export type ImportReportDto = { rows: number, created: number, updated: number, unchanged: number, errors: Array<ImportErrorDto>, dry_run: boolean, applied: boolean, };
