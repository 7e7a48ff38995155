// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { EmailStatusDto } from "./EmailStatusDto";

/**
 * The emails, and how many of all are waiting, sent and failed.
 */
export type EmailsOutput = { emails: Array<EmailStatusDto>, waiting: number, sent: number, failed: number, };
