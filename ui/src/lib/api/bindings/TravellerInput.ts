// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A traveller on a booking.
 */
export type TravellerInput = { full_name: string, 
/**
 * `adult` (default), `child` or `senior`.
 */
traveller_type?: string, 
/**
 * YYYY-MM-DD.
 */
date_of_birth?: string, 
/**
 * Passport or ID number (never a card number).
 */
document_number?: string, };
