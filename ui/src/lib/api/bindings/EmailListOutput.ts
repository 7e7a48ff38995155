// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { EmailStatusDto } from "./EmailStatusDto";

/**
 * The emails of one sale or booking, oldest first.
 */
export type EmailListOutput = { emails: Array<EmailStatusDto>, };
