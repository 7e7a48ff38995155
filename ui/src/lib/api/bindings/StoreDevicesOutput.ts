// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { StoreDeviceDto } from "./StoreDeviceDto";

/**
 * The store's devices.
 */
export type StoreDevicesOutput = { devices: Array<StoreDeviceDto>, 
/**
 * `None` when the server answered just now; else the server could not be reached and
 * this is the list as this device last heard it, at this time.
 */
heard_at: string | null, };
