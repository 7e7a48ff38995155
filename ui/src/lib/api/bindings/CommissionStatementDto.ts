// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { CommissionEntryDto } from "./CommissionEntryDto";
import type { ReportBasisDto } from "./ReportBasisDto";

/**
 * One person's commission over a period.
 */
export type CommissionStatementDto = { staff_id: string, name: string, from: string, to: string, basis: ReportBasisDto, entries: Array<CommissionEntryDto>, earned_minor: number, 
/**
 * Zero or negative.
 */
reversed_minor: number, net_minor: number, };
