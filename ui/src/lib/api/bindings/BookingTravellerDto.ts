// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
export type BookingTravellerDto = { id: string, traveller_type: string, full_name: string, date_of_birth: string | null, document_number: string | null, price_minor: number, };
