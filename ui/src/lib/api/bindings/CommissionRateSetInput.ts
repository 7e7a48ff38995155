// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * Sets or clears a commission rate. `kind` is `trip` (a trip by id or code), `agent` or
 * `seller` (a person by id or email), `category` (by id or name), or `store` (the default for
 * agents, no `subject`). `rate_bp` absent clears it (the store's default becomes 0).
 */
export type CommissionRateSetInput = { kind: string, subject?: string, rate_bp?: number, };
