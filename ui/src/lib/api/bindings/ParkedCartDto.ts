// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A parked cart.
 */
export type ParkedCartDto = { id: string, name: string | null, staff_name: string, lines: number, updated_at: string, };
