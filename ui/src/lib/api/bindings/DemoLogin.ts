// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { Role } from "./Role";

/**
 * Credentials of a demo store, shown on its sign-in screen only.
 */
export type DemoLogin = { email: string, role: Role, password: string, 
/**
 * The authenticator code for the current 30 s step.
 */
current_code: string, };
