// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A traveller's field the checks refused.
 */
export type TravellerIssueDto = { 
/**
 * The traveller's position in the input, from 0.
 */
index: number, 
/**
 * `traveller_type`, `full_name`, `date_of_birth` or `document_number`.
 */
field: string, message: string, };
