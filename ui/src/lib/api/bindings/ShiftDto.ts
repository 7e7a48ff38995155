// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { ShiftStatus } from "./ShiftStatus";

/**
 * A shift.
 */
export type ShiftDto = { id: string, number: number, 
/**
 * `open` or `closed`.
 */
status: ShiftStatus, opened_by_name: string | null, opened_at: string, closed_at: string | null, expected_minor: number | null, counted_minor: number | null, 
/**
 * Counted minus expected: positive over, negative short.
 */
over_short_minor: number | null, };
