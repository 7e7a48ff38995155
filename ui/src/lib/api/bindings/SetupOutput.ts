// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { Enrolment } from "./Enrolment";

/**
 * What setup made.
 */
export type SetupOutput = { store_id: string, device_id: string, admin: Enrolment, };
