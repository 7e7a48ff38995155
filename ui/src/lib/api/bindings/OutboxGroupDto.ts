// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { OutboxKindDto } from "./OutboxKindDto";

/**
 * The waiting changes of one kind.
 */
export type OutboxGroupDto = { kind: OutboxKindDto, 
/**
 * Changes waiting.
 */
changes: number, 
/**
 * The records they are about (a sale and its later events count once).
 */
records: number, 
/**
 * RFC 3339 time of the oldest and the newest waiting change.
 */
oldest_at: string, newest_at: string, };
