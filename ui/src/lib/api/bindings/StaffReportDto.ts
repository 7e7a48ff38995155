// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { OverrideDto } from "./OverrideDto";
import type { ReportBasisDto } from "./ReportBasisDto";
import type { StaffActivityDto } from "./StaffActivityDto";

/**
 * The staff report.
 */
export type StaffReportDto = { from: string, to: string, basis: ReportBasisDto, people: Array<StaffActivityDto>, overrides: Array<OverrideDto>, };
