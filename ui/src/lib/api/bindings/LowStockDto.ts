// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
/**
 * An item at or below its low-stock threshold.
 */
export type LowStockDto = { product_id: string, sku: string, name: string, available: number, threshold: number, };
