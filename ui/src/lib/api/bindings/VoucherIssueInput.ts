// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { OverrideCredentials } from "./OverrideCredentials";

/**
 * Issue a voucher (store credit).
 */
export type VoucherIssueInput = { amount_minor: number, customer_id?: string, approval?: OverrideCredentials, };
