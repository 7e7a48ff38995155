// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { CardBrandDto } from "./CardBrandDto";
import type { CardExposureDto } from "./CardExposureDto";
import type { CardPaymentRowDto } from "./CardPaymentRowDto";
import type { CardStatusDto } from "./CardStatusDto";
import type { ReportBasisDto } from "./ReportBasisDto";

/**
 * The card payments report.
 */
export type CardsReportDto = { from: string, to: string, basis: ReportBasisDto, payments: number, amount_minor: number, by_status: Array<CardStatusDto>, by_brand: Array<CardBrandDto>, 
/**
 * Pending in the period, oldest first.
 */
pending: Array<CardPaymentRowDto>, 
/**
 * Declined in the period, oldest first.
 */
declined: Array<CardPaymentRowDto>, exposure: CardExposureDto, };
