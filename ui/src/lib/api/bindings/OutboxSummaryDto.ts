// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { OutboxGroupDto } from "./OutboxGroupDto";

/**
 * What has not reached the server yet, by kind.
 */
export type OutboxSummaryDto = { 
/**
 * Changes waiting, in all.
 */
pending_changes: number, 
/**
 * Bytes of those changes.
 */
pending_bytes: number, groups: Array<OutboxGroupDto>, };
