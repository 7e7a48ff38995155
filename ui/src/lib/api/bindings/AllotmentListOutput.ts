// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { DepartureDto } from "./DepartureDto";

/**
 * The departures whose seats this device holds, with its allotment of each.
 */
export type AllotmentListOutput = { 
/**
 * False while the device is not paired: it then holds every seat.
 */
paired: boolean, items: Array<DepartureDto>, };
