// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A new trip.
 */
export type TripCreateInput = { code: string, name: string, adult_minor: number, 
/**
 * No price: the trip takes no children.
 */
child_minor?: number, senior_minor?: number, 
/**
 * `30%` or a fixed amount in minor units (`5000`); none: the store's booking policy.
 */
deposit?: string, 
/**
 * The balance is due this many days before departure; none: the store's booking policy.
 */
balance_due_days?: number, 
/**
 * Fees by days before departure: `60:0,30:25%,10:50%,0:100%` (a row for 0 days needed);
 * none: the store's booking policy.
 */
cancellation_policy?: string, 
/**
 * How long a hold keeps its seats, in minutes; none: the store's booking policy.
 */
hold_minutes?: number, 
/**
 * Travellers need a passport or ID number.
 */
documents_required?: boolean, };
