// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { OverrideCredentials } from "./OverrideCredentials";

/**
 * Cancel a whole sale that has not been handed over or refunded.
 */
export type VoidInput = { order_id: string, reason: string, approval?: OverrideCredentials, };
