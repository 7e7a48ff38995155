// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * One person's activity in the period.
 */
export type StaffActivityDto = { staff_id: string, name: string, role: string, orders: number, sales_minor: number, discount_minor: number, refunds: number, refunds_minor: number, voids: number, voids_minor: number, drawer_opens: number, 
/**
 * Their actions a manager approved.
 */
overrides: number, 
/**
 * Approvals they gave.
 */
approvals: number, };
