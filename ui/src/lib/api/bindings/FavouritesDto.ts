// Generated from crates/kassa-app (commands.rs, dto.rs). Do not edit: run
// `KASSA_UPDATE_BINDINGS=1 cargo test -p kassa-app bindings` after changing the Rust types.
import type { CategoryTabDto } from "./CategoryTabDto";
import type { FavouriteDto } from "./FavouriteDto";

/**
 * The favourites grid with its category tabs.
 */
export type FavouritesDto = { categories: Array<CategoryTabDto>, items: Array<FavouriteDto>, };
