// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { LevelDto } from "./LevelDto";

/**
 * A product or service.
 */
export type ProductDto = { id: string, sku: string, name: string, 
/**
 * The name with the variant, as a receipt prints it.
 */
display_name: string, description: string, 
/**
 * `product` or `service`.
 */
kind: string, category_id: string | null, category_path: string | null, 
/**
 * The product this is a variant of.
 */
parent_id: string | null, variant: string, 
/**
 * The shelf price (tax included unless the tax class is exclusive).
 */
price_minor: number, 
/**
 * `null` when there is none or the signed-in role may not see it.
 */
cost_minor: number | null, tax_class_id: string | null, 
/**
 * The tax class's rate; `null`: no tax.
 */
tax_rate_bp: number | null, tax_inclusive: boolean, active: boolean, stock_tracked: boolean, 
/**
 * `null`: the store's setting decides.
 */
allow_negative: boolean | null, 
/**
 * `null`: the store's default decides.
 */
low_threshold: number | null, barcodes: Array<string>, 
/**
 * Over all locations, or at the location asked for; `null` when not stock-tracked.
 */
level: LevelDto | null, 
/**
 * At or below its low-stock threshold.
 */
low: boolean, updated_at: string, };
