// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { InvitationDto } from "./InvitationDto";

/**
 * A new one-time code, shown once to pass on to the person.
 */
export type InvitationIssued = { invitation: InvitationDto, 
/**
 * The one-time code, in groups of four characters. Never shown again.
 */
token: string, 
/**
 * The email that carries the code to the person, when one was asked for (it shows
 * under Admin → Emails as `staff_invitation`).
 */
email_id?: string, };
