// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { CardFindingDto } from "./CardFindingDto";

/**
 * What the server found about the store's card payments, newest first.
 */
export type CardFindingsDto = { findings: Array<CardFindingDto>, 
/**
 * Set when the server could not be reached: the list is as this device heard it then.
 */
heard_at: string | null, };
