// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { AddressDto } from "./AddressDto";

/**
 * A customer.
 */
export type CustomerDto = { id: string, name: string, email: string | null, phone: string | null, notes: string, marketing_consent: boolean, 
/**
 * When consent was last given or withdrawn.
 */
consent_at: string | null, tags: Array<string>, addresses: Array<AddressDto>, 
/**
 * Set on a duplicate that was merged: the customer it became.
 */
merged_into: string | null, created_at: string, updated_at: string, 
/**
 * Set when the customer's data was erased on their request (personal fields blank).
 */
erased_at: string | null, };
