// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A batch with its expiry date and what is left.
 */
export type BatchDto = { id: string, code: string, 
/**
 * YYYY-MM-DD.
 */
expires_on: string | null, on_hand: number, };
