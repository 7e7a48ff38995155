// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A step of the order's history.
 */
export type OrderEventDto = { event: string, from_status: string, to_status: string, actor_name: string | null, approver_name: string | null, reason: string | null, at: string, };
