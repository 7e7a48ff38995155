// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { StaffDto } from "./StaffDto";

/**
 * A temporary password from an admin reset, shown once to pass on.
 */
export type TemporaryPassword = { staff: StaffDto, 
/**
 * Must be replaced at the next sign-in.
 */
temporary_password: string, };
