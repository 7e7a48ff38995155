// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { ShiftDto } from "./ShiftDto";
import type { ShiftFiguresDto } from "./ShiftFiguresDto";

/**
 * The till's shift now, with its X report, and the notes and coins to count.
 */
export type ShiftStatusDto = { shift: ShiftDto | null, figures: ShiftFiguresDto | null, 
/**
 * Largest first, in minor units.
 */
denominations: Array<number>, recent: Array<ShiftDto>, };
