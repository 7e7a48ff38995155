// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * One person's totals over a period.
 */
export type CommissionPersonDto = { staff_id: string, name: string, entries: number, earned_minor: number, reversed_minor: number, net_minor: number, };
