// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { SettingValueDto } from "./SettingValueDto";

/**
 * A change of one setting.
 */
export type SettingSetInput = { key: string, value: SettingValueDto, };
