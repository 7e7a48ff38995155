// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { PendingCardDto } from "./PendingCardDto";

/**
 * Offline card payments waiting for the provider, and the limits they count against.
 */
export type PendingCardsDto = { payments: Array<PendingCardDto>, exposure_minor: number, exposure_limit_minor: number, per_payment_limit_minor: number, max_age_hours: number, 
/**
 * The store's `payments.card_alarm_hours`.
 */
alarm_hours: number, 
/**
 * How many payments are past the alarm age.
 */
alarms: number, };
