// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A cancellation; `preview` shows the fee and refund without cancelling.
 */
export type BookingCancelInput = { booking: string, reason?: string, preview?: boolean, };
