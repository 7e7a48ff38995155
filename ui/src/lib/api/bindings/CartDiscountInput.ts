// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { DiscountDto } from "./DiscountDto";
import type { OverrideCredentials } from "./OverrideCredentials";

/**
 * A discount on a line (`line_id`) or on the whole order (no `line_id`).
 */
export type CartDiscountInput = { line_id?: string, discount: DiscountDto, 
/**
 * A manager's approval, when the discount is above the cashier's limit.
 */
approval?: OverrideCredentials, };
