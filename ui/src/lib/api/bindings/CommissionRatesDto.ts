// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { CommissionRateDto } from "./CommissionRateDto";

/**
 * Every rate in force, the store's default first (when not 0).
 */
export type CommissionRatesDto = { rates: Array<CommissionRateDto>, };
