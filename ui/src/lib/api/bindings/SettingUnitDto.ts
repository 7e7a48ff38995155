// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * What a whole-number setting counts: `money` (minor units of the store's currency, shown
 * in major units) or `basis_points` (shown as a percent).
 */
export type SettingUnitDto = "money" | "basis_points";
