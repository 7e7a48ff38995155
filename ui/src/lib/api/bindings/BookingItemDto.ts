// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
export type BookingItemDto = { option_id: string, name: string, qty: number, unit_minor: number, total_minor: number, };
