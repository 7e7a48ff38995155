// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Which emails to list: `all` (the default), `waiting`, `sent` or `failed`; at most `limit`
 * (default 200, at most 2,000), newest first.
 */
export type EmailsListInput = { filter?: string, limit?: number, };
