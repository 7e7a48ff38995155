// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { Role } from "./Role";
import type { InvitationDto } from "./InvitationDto";
import type { StaffDto } from "./StaffDto";

/**
 * Everyone on the staff and the open invitations.
 */
export type StaffListOutput = { staff: Array<StaffDto>, invitations: Array<InvitationDto>, 
/**
 * Roles the signed-in person may grant, lowest first.
 */
assignable_roles: Array<Role>, };
