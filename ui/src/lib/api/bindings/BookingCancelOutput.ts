// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { BookingDto } from "./BookingDto";

/**
 * A cancellation, done or previewed.
 */
export type BookingCancelOutput = { booking: BookingDto, preview: boolean, 
/**
 * Calendar days before departure, in the departure's time zone.
 */
days_before: number, fee_minor: number, refund_minor: number, 
/**
 * A fee beyond what was paid.
 */
owed_minor: number, };
