// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { AllotmentDto } from "./AllotmentDto";

/**
 * A departure with its seats now.
 */
export type DepartureDto = { id: string, trip_id: string, trip_name: string, pool_id: string, departs_at: string, returns_at: string | null, time_zone: string, meeting_point: string | null, 
/**
 * The pool's seats (shared with the pool's other departures).
 */
capacity: number, seats_taken: number, seats_left: number, 
/**
 * This device's allotment of the departure's pool; none while the device is not paired
 * (it then holds every seat).
 */
allotment: AllotmentDto | null, };
