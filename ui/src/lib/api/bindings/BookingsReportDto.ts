// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { AgentTotalsDto } from "./AgentTotalsDto";
import type { BookingCancellationDto } from "./BookingCancellationDto";
import type { BookingCancellationTotalsDto } from "./BookingCancellationTotalsDto";
import type { BookingDueDto } from "./BookingDueDto";
import type { BookingMoneyDto } from "./BookingMoneyDto";
import type { BookingStatusCountDto } from "./BookingStatusCountDto";
import type { DepartureLoadDto } from "./DepartureLoadDto";
import type { ReportBasisDto } from "./ReportBasisDto";
import type { TripTotalsDto } from "./TripTotalsDto";

/**
 * The bookings report.
 */
export type BookingsReportDto = { from: string, to: string, 
/**
 * The business date balances are due against.
 */
today: string, basis: ReportBasisDto, bookings: number, seats: number, value_minor: number, by_status: Array<BookingStatusCountDto>, money: BookingMoneyDto, cancellations: Array<BookingCancellationDto>, cancellation_totals: BookingCancellationTotalsDto, balances_due: Array<BookingDueDto>, due_minor: number, overdue: number, overdue_minor: number, departures: Array<DepartureLoadDto>, trips: Array<TripTotalsDto>, agents: Array<AgentTotalsDto>, };
