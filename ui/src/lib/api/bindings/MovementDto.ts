// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { MovementKind } from "./MovementKind";

/**
 * One stock movement.
 */
export type MovementDto = { id: string, 
/**
 * receipt, sale, return, adjustment, count, transfer_out, transfer_in, reservation, release.
 */
kind: MovementKind, 
/**
 * Signed: a sale of 3 is -3.
 */
qty: number, location_id: string, location_name: string, batch_code: string | null, reason: string | null, ref_type: string | null, ref_id: string | null, staff_name: string | null, created_at: string, };
