// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { ParkedCartDto } from "./ParkedCartDto";

/**
 * The parked carts of this device.
 */
export type ParkedCartsDto = { carts: Array<ParkedCartDto>, };
