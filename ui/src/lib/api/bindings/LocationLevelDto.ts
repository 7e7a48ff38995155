// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { LevelDto } from "./LevelDto";
import type { LocationDto } from "./LocationDto";

/**
 * A product's stock at one location.
 */
export type LocationLevelDto = { location: LocationDto, level: LevelDto, };
