// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { SettingUnitDto } from "./SettingUnitDto";
import type { SettingValueDto } from "./SettingValueDto";

/**
 * One setting as the settings screen shows it.
 */
export type SettingDto = { 
/**
 * Dotted key, e.g. `security.idle_lock_minutes`.
 */
key: string, 
/**
 * The part before the first dot.
 */
topic: string, 
/**
 * Where the settings screen shows it: `store`, `receipts`, `payments`, `selling`,
 * `stock`, `security` or `reports`.
 */
group: string, 
/**
 * The only values a text setting may take, when it is a choice.
 */
choices: Array<string> | null, 
/**
 * `int`, `bool` or `text`.
 */
kind: string, value: SettingValueDto, default: SettingValueDto, 
/**
 * What an `int` setting counts, when it is money or a rate.
 */
unit: SettingUnitDto | null, 
/**
 * Bounds of an `int` setting.
 */
min: number | null, max: number | null, 
/**
 * What it means.
 */
describe: string, 
/**
 * Whether the signed-in person may change it.
 */
editable: boolean, };
