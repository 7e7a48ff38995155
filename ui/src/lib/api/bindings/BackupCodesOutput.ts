// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * New backup codes, shown once; the old ones no longer work.
 */
export type BackupCodesOutput = { backup_codes: Array<string>, };
