// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { ErrorCode } from "./ErrorCode";

/**
 * What a failed command answers, in the CLI's JSON and in the UI.
 */
export type ApiError = { 
/**
 * Stable snake_case code, e.g. `invalid_credentials`; the UI matches on it.
 */
code: ErrorCode, 
/**
 * What happened and what to do next.
 */
message: string, 
/**
 * For `forbidden` from the permission table: the permission the person's role lacks
 * (as `can` names it), so the UI says what is missing in the person's language.
 */
permission?: string, };
