// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { DemoLogin } from "./DemoLogin";
import type { DeviceDto } from "./DeviceDto";
import type { SessionDto } from "./SessionDto";
import type { ShiftBadge } from "./ShiftBadge";
import type { StoreDto } from "./StoreDto";
import type { SyncStatusDto } from "./SyncStatusDto";

/**
 * What the app needs to draw its first screen.
 */
export type AppStatus = { 
/**
 * False until first-run setup has made a store on this device.
 */
set_up: boolean, store: StoreDto | null, device: DeviceDto | null, session: SessionDto | null, sync: SyncStatusDto, 
/**
 * Present only for a store made by `kassa demo`.
 */
demo_logins: Array<DemoLogin> | null, 
/**
 * The cash drawer shift open on this till, if any.
 */
shift: ShiftBadge | null, 
/**
 * The version of this Kassa build.
 */
version: string, };
