// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * A setting's value: a number, yes/no, or text.
 */
export type SettingValueDto = number | boolean | string;
