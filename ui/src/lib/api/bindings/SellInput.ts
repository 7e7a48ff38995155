// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { SellLineInput } from "./SellLineInput";
import type { TenderInput } from "./TenderInput";

/**
 * Sell in one step (scripts, the CLI): lines and tenders.
 */
export type SellInput = { lines: Array<SellLineInput>, tenders: Array<TenderInput>, customer_id?: string, idempotency_key?: string, };
