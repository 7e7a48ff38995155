// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A new departure: its own `seats`, or `share_with` another departure's seats.
 */
export type DepartureAddInput = { 
/**
 * The trip's id or code.
 */
trip: string, 
/**
 * RFC 3339, e.g. `2026-07-10T06:00:00+02:00`.
 */
departs_at: string, returns_at?: string, 
/**
 * The zone its days are counted in, e.g. `Europe/Berlin`.
 */
time_zone: string, meeting_point?: string, seats?: number, share_with?: string, };
