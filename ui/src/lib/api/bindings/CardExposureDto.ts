// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * This device's offline card payments against the store's limits.
 */
export type CardExposureDto = { pending: number, pending_minor: number, limit_minor: number, left_minor: number, per_payment_minor: number, max_age_hours: number, oldest_at: string | null, oldest_age_minutes: number | null, 
/**
 * Pending offline payments of every device, as synced here.
 */
store_pending: number, store_pending_minor: number, };
