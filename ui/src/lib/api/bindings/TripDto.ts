// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { TripOptionDto } from "./TripOptionDto";

/**
 * A trip.
 */
export type TripDto = { id: string, code: string, name: string, adult_minor: number, child_minor: number | null, senior_minor: number | null, 
/**
 * `percent` (basis points) or `fixed` (minor units).
 */
deposit_kind: string, deposit_value: number, balance_due_days: number, cancellation_policy: string, hold_minutes: number, documents_required: boolean, 
/**
 * The trip's own commission rate for its agents (basis points); none: the agent's rate,
 * else the store's default.
 */
commission_bp: number | null, options: Array<TripOptionDto>, };
