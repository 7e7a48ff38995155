// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { CommissionPersonDto } from "./CommissionPersonDto";
import type { ReportBasisDto } from "./ReportBasisDto";

/**
 * Commissions earned and reversed per person over a period.
 */
export type CommissionsReportDto = { from: string, to: string, basis: ReportBasisDto, people: Array<CommissionPersonDto>, earned_minor: number, reversed_minor: number, net_minor: number, };
