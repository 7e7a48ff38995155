// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * The period's cancellations added up.
 */
export type BookingCancellationTotalsDto = { count: number, fee_minor: number, kept_minor: number, refund_minor: number, owed_minor: number, };
