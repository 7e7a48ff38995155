// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { LocationDto } from "./LocationDto";

/**
 * Stock value at one location.
 */
export type LocationValueDto = { location: LocationDto, value_minor: number, units: number, };
