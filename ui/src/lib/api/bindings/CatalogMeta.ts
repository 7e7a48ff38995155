// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { CategoryDto } from "./CategoryDto";
import type { LocationDto } from "./LocationDto";
import type { TaxClassDto } from "./TaxClassDto";

/**
 * What the catalog screens pick from.
 */
export type CatalogMeta = { tax_classes: Array<TaxClassDto>, categories: Array<CategoryDto>, locations: Array<LocationDto>, 
/**
 * Whether the signed-in person may see cost prices.
 */
can_view_cost: boolean, };
