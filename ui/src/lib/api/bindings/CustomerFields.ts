// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { AddressDto } from "./AddressDto";

/**
 * Every field of a customer as the editor sends it; absent fields mean "none".
 */
export type CustomerFields = { name: string, email?: string, phone?: string, notes?: string, marketing_consent?: boolean, tags?: Array<string>, addresses?: Array<AddressDto>, };
