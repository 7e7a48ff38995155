// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { BookingEventDto } from "./BookingEventDto";
import type { BookingItemDto } from "./BookingItemDto";
import type { BookingNoteDto } from "./BookingNoteDto";
import type { BookingPaymentDto } from "./BookingPaymentDto";
import type { BookingTravellerDto } from "./BookingTravellerDto";

/**
 * A booking with its travellers, items, history, payments and notes.
 */
export type BookingDto = { booking_id: string, reference: string, status: string, departure_id: string, customer_id: string | null, seats: number, currency: string, total_minor: number, deposit_minor: number, paid_minor: number, balance_minor: number, balance_due_on: string, hold_expires_at: string | null, created_at: string, travellers: Array<BookingTravellerDto>, items: Array<BookingItemDto>, events: Array<BookingEventDto>, payments: Array<BookingPaymentDto>, notes: Array<BookingNoteDto>, };
