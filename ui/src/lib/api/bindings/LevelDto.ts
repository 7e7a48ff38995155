// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Stock of an item: on hand, held for carts and bookings, and what is left to sell.
 */
export type LevelDto = { on_hand: number, reserved: number, available: number, };
