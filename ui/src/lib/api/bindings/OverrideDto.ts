// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A discount, refund or void someone approved.
 */
export type OverrideDto = { kind: string, business_date: string, at: string, number: string, amount_minor: number, staff_name: string, approver_name: string, };
