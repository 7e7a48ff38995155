//! DTOs of the catalog and the stock ledger.
//!
//! Money is in minor units of the store's currency (`*_minor`); quantities are whole units.
//! A cost price is `null` in every answer to someone whose role may not see cost prices.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A tax class: a rate in basis points (1900 = 19 %) and whether prices include it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TaxClassDto {
    pub id: String,
    pub name: String,
    pub rate_bp: i64,
    /// True: shelf prices include the tax; false: it is added at the till.
    pub inclusive: bool,
}

/// A category with its path from the top, e.g. `Drinks > Coffee`.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CategoryDto {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub path: String,
}

/// A place stock is kept.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LocationDto {
    pub id: String,
    pub name: String,
    /// The shop floor: sales take stock from here.
    pub is_main: bool,
}

/// What the catalog screens pick from.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CatalogMeta {
    pub tax_classes: Vec<TaxClassDto>,
    pub categories: Vec<CategoryDto>,
    pub locations: Vec<LocationDto>,
    /// Whether the signed-in person may see cost prices.
    pub can_view_cost: bool,
}

/// Stock of an item: on hand, held for carts and bookings, and what is left to sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LevelDto {
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
}

/// A product or service.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ProductDto {
    pub id: String,
    pub sku: String,
    pub name: String,
    /// The name with the variant, as a receipt prints it.
    pub display_name: String,
    pub description: String,
    /// `product` or `service`.
    pub kind: String,
    pub category_id: Option<String>,
    pub category_path: Option<String>,
    /// The product this is a variant of.
    pub parent_id: Option<String>,
    pub variant: String,
    /// The shelf price (tax included unless the tax class is exclusive).
    pub price_minor: i64,
    /// `null` when there is none or the signed-in role may not see it.
    pub cost_minor: Option<i64>,
    pub tax_class_id: Option<String>,
    /// The tax class's rate; `null`: no tax.
    pub tax_rate_bp: Option<i64>,
    pub tax_inclusive: bool,
    pub active: bool,
    pub stock_tracked: bool,
    /// `null`: the store's setting decides.
    pub allow_negative: Option<bool>,
    /// `null`: the store's default decides.
    pub low_threshold: Option<i64>,
    pub barcodes: Vec<String>,
    /// Over all locations, or at the location asked for; `null` when not stock-tracked.
    pub level: Option<LevelDto>,
    /// At or below its low-stock threshold.
    pub low: bool,
    pub updated_at: String,
}

/// What a product search asks for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct ProductSearchInput {
    /// Words to find (prefixes of name, SKU, barcode or category; accents ignored), or an
    /// exact barcode or SKU. Empty: all products by name.
    pub query: Option<String>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    pub include_inactive: Option<bool>,
    pub category_id: Option<String>,
    /// Levels at this location rather than over all locations.
    pub location_id: Option<String>,
}

/// Products found.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ProductListOutput {
    pub items: Vec<ProductDto>,
    /// The id of the item whose barcode or SKU is exactly the query, if any (Enter picks it).
    pub exact_id: Option<String>,
    /// All products of the store.
    pub total: i64,
}

/// An exact barcode or SKU, as a scanner sends it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ProductLookupInput {
    pub code: String,
}

/// One product, by id.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ProductIdInput {
    pub id: String,
}

/// Every field of a product as the editor sends it; absent optional fields mean "none".
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct ProductFields {
    pub sku: String,
    pub name: String,
    pub description: Option<String>,
    /// `product` (default) or `service` (never stock-tracked).
    pub kind: Option<String>,
    pub category_id: Option<String>,
    pub parent_id: Option<String>,
    /// What tells a variant apart, e.g. `M / blue`.
    pub variant: Option<String>,
    pub price_minor: i64,
    /// Ignored for roles that may not see cost prices (the stored cost stays).
    pub cost_minor: Option<i64>,
    /// None: the item carries no tax.
    pub tax_class_id: Option<String>,
    /// Default true.
    pub active: Option<bool>,
    /// Default true for products.
    pub stock_tracked: Option<bool>,
    pub allow_negative: Option<bool>,
    pub low_threshold: Option<i64>,
    pub barcodes: Option<Vec<String>>,
}

/// A new product, optionally with its first stock at a location.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct ProductCreateInput {
    pub product: ProductFields,
    /// Received at once (needs the adjust_stock permission).
    pub initial_stock: Option<i64>,
    pub location_id: Option<String>,
    /// A category by its path, e.g. `Drinks > Coffee`, made in the same transaction if
    /// missing (instead of `product.category_id`).
    pub category_path: Option<String>,
    /// A tax class by its name, any case (instead of `product.tax_class_id`).
    pub tax_class_name: Option<String>,
}

/// A product's new fields.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ProductUpdateInput {
    pub id: String,
    pub product: ProductFields,
}

/// An item's stock by barcode or SKU: over all locations, or at one.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct StockLevelInput {
    /// A barcode or SKU, exactly.
    pub code: String,
    pub location_id: Option<String>,
}

/// An item's stock level.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StockLevelOutput {
    pub product_id: String,
    pub sku: String,
    /// The name with the variant.
    pub name: String,
    pub stock_tracked: bool,
    /// The location asked for; `null`: over all locations.
    pub location_id: Option<String>,
    /// `null` when the item is not stock-tracked (a service).
    pub level: Option<LevelDto>,
}

/// A product's stock at one location.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LocationLevelDto {
    pub location: LocationDto,
    pub level: LevelDto,
}

/// A batch with its expiry date and what is left.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BatchDto {
    pub id: String,
    pub code: String,
    /// YYYY-MM-DD.
    pub expires_on: Option<String>,
    pub on_hand: i64,
}

/// A price the product had.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PriceChangeDto {
    pub price_minor: i64,
    pub cost_minor: Option<i64>,
    pub changed_by: Option<String>,
    pub changed_at: String,
}

/// One stock movement.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct MovementDto {
    pub id: String,
    /// receipt, sale, return, adjustment, count, transfer_out, transfer_in, reservation, release.
    #[ts(type = "MovementKind")]
    pub kind: String,
    /// Signed: a sale of 3 is -3.
    pub qty: i64,
    pub location_id: String,
    pub location_name: String,
    pub batch_code: Option<String>,
    pub reason: Option<String>,
    pub ref_type: Option<String>,
    pub ref_id: Option<String>,
    pub staff_name: Option<String>,
    pub created_at: String,
}

/// A product page: the product, its stock everywhere, variants, batches, prices, movements.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ProductDetail {
    pub product: ProductDto,
    pub levels: Vec<LocationLevelDto>,
    pub variants: Vec<ProductDto>,
    pub batches: Vec<BatchDto>,
    /// Newest first; cost prices only for roles that may see them.
    pub price_history: Vec<PriceChangeDto>,
    /// The latest 50 movements, newest first.
    pub movements: Vec<MovementDto>,
}

/// Goods received from a supplier.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct StockReceiveInput {
    pub product_id: String,
    pub qty: i64,
    /// Default: the main location.
    pub location_id: Option<String>,
    pub batch_code: Option<String>,
    /// YYYY-MM-DD; needs a batch code.
    pub expires_on: Option<String>,
    pub unit_cost_minor: Option<i64>,
    pub note: Option<String>,
}

/// A correction of stock with its reason.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct StockAdjustInput {
    pub product_id: String,
    /// How many more (positive) or fewer (negative) there are.
    pub delta: i64,
    pub reason: String,
    pub location_id: Option<String>,
}

/// A product's stock after a change.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StockChangeOutput {
    pub product_id: String,
    pub location_id: String,
    /// At the location.
    pub level: LevelDto,
    /// Over all locations.
    pub total: LevelDto,
    pub movement_ids: Vec<String>,
}

/// Moving stock between two locations.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StockTransferInput {
    pub product_id: String,
    pub qty: i64,
    pub from_location_id: String,
    pub to_location_id: String,
}

/// A transfer done.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StockTransferOutput {
    pub transfer_id: String,
    pub from: LevelDto,
    pub to: LevelDto,
}

/// One counted item.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CountLineInput {
    pub product_id: String,
    pub counted: i64,
}

/// A stock count to post: what was counted at a location.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct StockCountInput {
    /// Default: the main location.
    pub location_id: Option<String>,
    pub lines: Vec<CountLineInput>,
}

/// A posted count's line.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CountLineDto {
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub expected: i64,
    pub counted: i64,
    pub difference: i64,
}

/// A posted count.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StockCountOutput {
    pub count_id: String,
    pub lines: Vec<CountLineDto>,
}

/// Which movements to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct StockMovementsInput {
    pub product_id: String,
    pub location_id: Option<String>,
    /// Default 100, at most 5000.
    pub limit: Option<u32>,
}

/// Movements, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StockMovementsOutput {
    pub items: Vec<MovementDto>,
}

/// An item at or below its low-stock threshold.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LowStockDto {
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub available: i64,
    pub threshold: i64,
}

/// A batch expired or expiring soon, with stock left.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ExpiringDto {
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub batch_code: String,
    pub expires_on: String,
    pub expired: bool,
    pub on_hand: i64,
}

/// What needs attention in stock.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StockAlertsOutput {
    pub low: Vec<LowStockDto>,
    pub expiring: Vec<ExpiringDto>,
}

/// Stock value at one location.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LocationValueDto {
    pub location: LocationDto,
    pub value_minor: i64,
    pub units: i64,
}

/// Stock on hand valued at cost.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StockValuationOutput {
    pub total_minor: i64,
    pub units: i64,
    pub by_location: Vec<LocationValueDto>,
    /// Items with stock but no cost price: their value is unknown, not counted.
    pub items_without_cost: i64,
}

/// A new location.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LocationCreateInput {
    pub name: String,
}

/// A new category.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct CategoryCreateInput {
    pub name: String,
    pub parent_id: Option<String>,
}

/// A new tax class.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct TaxClassCreateInput {
    pub name: String,
    /// 1900 = 19 %.
    pub rate_bp: i64,
    /// True: shelf prices include it.
    pub inclusive: bool,
}

/// A CSV file to import.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CsvImportInput {
    /// The file's text (UTF-8; comma- or semicolon-separated, with a header line).
    pub csv: String,
    /// Check only: report what would happen and write nothing.
    pub dry_run: bool,
}

/// One bad row of an import.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ImportErrorDto {
    /// The line in the file, the header being line 1.
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
}

/// What an import did or would do. With any error nothing was written.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ImportReportDto {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub errors: Vec<ImportErrorDto>,
    pub dry_run: bool,
    pub applied: bool,
}

/// An export as CSV text.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CsvExportOutput {
    pub csv: String,
    pub rows: u64,
}
