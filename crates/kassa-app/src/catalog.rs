//! The catalog through the API: lookup and search for every signed-in role, editing for
//! those who may. Cost prices leave the API only for roles with `view_cost_prices`.

use crate::dto::*;
use crate::session::Active;
use crate::{Api, ApiError, ApiResult};
use kassa_domain::catalog::{ProductKind, TaxRate};
use kassa_domain::role::{Permission, allows};
use kassa_domain::{Error, ErrorCode};
use kassa_store::catalog::stock::{self, Receipt};
use kassa_store::catalog::{self, AuditMode, Product, ProductData, SearchOptions};
use kassa_store::foundation::import::ImportReport;
use kassa_store::{catalog::csv as catalog_csv, foundation::device, foundation::settings};
use rusqlite::Connection;
use std::collections::HashMap;

/// How products are shown to the signed-in person.
pub(crate) struct View {
    pub show_cost: bool,
    default_threshold: i64,
    taxes: HashMap<String, TaxRate>,
}

impl View {
    pub(crate) fn new(conn: &Connection, store_id: &str, who: &Active) -> ApiResult<View> {
        Ok(View {
            show_cost: allows(who.role, Permission::ViewCostPrices),
            default_threshold: settings::get_int(conn, store_id, "stock.low_threshold_default")?,
            taxes: catalog::tax_classes(conn, store_id)?
                .into_iter()
                .map(|t| (t.id, t.rate))
                .collect(),
        })
    }

    pub(crate) fn product(
        &self,
        conn: &Connection,
        p: &Product,
        location: Option<&str>,
    ) -> ApiResult<ProductDto> {
        let d = &p.data;
        let level = if d.stock_tracked {
            Some(level_dto(stock::level(conn, &p.id, location)?))
        } else {
            None
        };
        let threshold = d.low_threshold.unwrap_or(self.default_threshold);
        let tax = d.tax_class_id.as_ref().and_then(|t| self.taxes.get(t));
        Ok(ProductDto {
            id: p.id.clone(),
            sku: d.sku.clone(),
            name: d.name.clone(),
            display_name: p.display_name(),
            description: d.description.clone(),
            kind: d.kind.as_str().to_string(),
            category_id: d.category_id.clone(),
            category_path: p.category_path.clone(),
            parent_id: d.parent_id.clone(),
            variant: d.variant.clone(),
            price_minor: d.price_minor,
            cost_minor: d.cost_minor.filter(|_| self.show_cost),
            tax_class_id: d.tax_class_id.clone(),
            tax_rate_bp: tax.map(|t| t.basis_points),
            tax_inclusive: tax.is_none_or(|t| t.inclusive),
            active: d.active,
            stock_tracked: d.stock_tracked,
            allow_negative: d.allow_negative,
            low_threshold: d.low_threshold,
            barcodes: d.barcodes.clone(),
            low: d.active && level.is_some_and(|l| l.available <= threshold),
            level,
            updated_at: p.updated_at.clone(),
        })
    }
}

pub(crate) fn level_dto(l: kassa_domain::stock::Level) -> LevelDto {
    LevelDto {
        on_hand: l.on_hand,
        reserved: l.reserved,
        available: l.available(),
    }
}

pub(crate) fn location_dto(l: stock::Location) -> LocationDto {
    LocationDto {
        id: l.id,
        name: l.name,
        is_main: l.is_main,
    }
}

fn report_dto(r: ImportReport) -> ImportReportDto {
    ImportReportDto {
        rows: r.rows,
        created: r.created,
        updated: r.updated,
        unchanged: r.unchanged,
        errors: r
            .errors
            .into_iter()
            .map(|e| ImportErrorDto {
                line: e.line,
                column: e.column,
                message: e.message,
            })
            .collect(),
        dry_run: r.dry_run,
        applied: r.applied,
    }
}

pub(crate) fn import_report(r: ImportReport) -> ImportReportDto {
    report_dto(r)
}

/// Turns the editor's fields into the store's, keeping the stored cost for roles that may
/// not see it.
fn to_data(f: ProductFields, keep_cost: Option<i64>, show_cost: bool) -> ApiResult<ProductData> {
    let kind = ProductKind::parse(f.kind.as_deref().unwrap_or("product"))?;
    Ok(ProductData {
        sku: f.sku,
        name: f.name,
        description: f.description.unwrap_or_default(),
        kind,
        category_id: f.category_id.filter(|c| !c.is_empty()),
        parent_id: f.parent_id.filter(|c| !c.is_empty()),
        variant: f.variant.unwrap_or_default(),
        price_minor: f.price_minor,
        cost_minor: if show_cost { f.cost_minor } else { keep_cost },
        tax_class_id: f.tax_class_id.filter(|c| !c.is_empty()),
        active: f.active.unwrap_or(true),
        stock_tracked: f.stock_tracked.unwrap_or(kind == ProductKind::Product),
        allow_negative: f.allow_negative,
        low_threshold: f.low_threshold,
        barcodes: f.barcodes.unwrap_or_default(),
    })
}

/// The id of the tax class called `name` (any case); `not_found` names those there are.
pub(crate) fn tax_class_named(
    conn: &Connection,
    store_id: &str,
    name: &str,
) -> kassa_domain::Result<String> {
    if let Some(t) = catalog::tax_class_by_name(conn, store_id, name)? {
        return Ok(t.id);
    }
    let names: Vec<String> = catalog::tax_classes(conn, store_id)?
        .into_iter()
        .map(|t| t.name)
        .collect();
    Err(Error::not_found(if names.is_empty() {
        format!(
            "there is no tax class called '{}'; the store has none yet",
            name.trim()
        )
    } else {
        format!(
            "there is no tax class called '{}'; there are: {}",
            name.trim(),
            names.join(", ")
        )
    }))
}

impl Api {
    /// The store id and its currency's decimals.
    pub(crate) fn store_ctx(&self) -> ApiResult<(String, u8)> {
        let store_id = self.store_id()?;
        let exponent = device::store(self.store().conn(), &store_id)?
            .currency
            .exponent();
        Ok((store_id, exponent))
    }

    /// The signed-in person, if their role allows any of `permissions`.
    pub(crate) fn require_any(&self, permissions: &[Permission]) -> ApiResult<Active> {
        let me = self.current_session()?;
        if permissions.iter().any(|p| allows(me.role, *p)) {
            return Ok(me);
        }
        let first = permissions
            .first()
            .copied()
            .unwrap_or(Permission::EditCatalog);
        kassa_domain::role::require(me.role, first)?;
        Ok(me)
    }

    /// Tax classes, categories and locations, for the editor's pickers.
    pub fn catalog_meta(&self, _: NoInput) -> ApiResult<CatalogMeta> {
        let me = self.current_session()?;
        let store_id = self.store_id()?;
        let store = self.store();
        let conn = store.conn();
        let mut locations: Vec<LocationDto> = stock::locations(conn, &store_id)?
            .into_iter()
            .map(location_dto)
            .collect();
        if !locations.iter().any(|l| l.is_main) {
            // The main location is made on first use; show it before that, as it will be.
            locations.insert(
                0,
                LocationDto {
                    id: stock::main_location_id(&store_id),
                    name: "Shop floor".into(),
                    is_main: true,
                },
            );
        }
        Ok(CatalogMeta {
            tax_classes: catalog::tax_classes(conn, &store_id)?
                .into_iter()
                .map(|t| TaxClassDto {
                    id: t.id,
                    name: t.name,
                    rate_bp: t.rate.basis_points,
                    inclusive: t.rate.inclusive,
                })
                .collect(),
            categories: catalog::categories(conn, &store_id)?
                .into_iter()
                .map(|c| CategoryDto {
                    id: c.id,
                    parent_id: c.parent_id,
                    name: c.name,
                    path: c.path,
                })
                .collect(),
            locations,
            can_view_cost: allows(me.role, Permission::ViewCostPrices),
        })
    }

    /// Finds products as a person types, an exact barcode or SKU first.
    pub fn product_search(&self, input: ProductSearchInput) -> ApiResult<ProductListOutput> {
        let me = self.current_session()?;
        let store_id = self.store_id()?;
        let store = self.store();
        let conn = store.conn();
        let view = View::new(conn, &store_id, &me)?;
        let query = input.query.unwrap_or_default();
        let found = catalog::search(
            conn,
            &store_id,
            &query,
            &SearchOptions {
                limit: input.limit.unwrap_or(50),
                offset: input.offset.unwrap_or(0),
                include_inactive: input.include_inactive.unwrap_or(false),
                category_id: input.category_id,
            },
        )?;
        let exact_id = if query.trim().is_empty() {
            None
        } else {
            catalog::by_code(conn, &store_id, &query)?.map(|p| p.id)
        };
        let items = found
            .iter()
            .map(|p| view.product(conn, p, input.location_id.as_deref()))
            .collect::<ApiResult<Vec<_>>>()?;
        Ok(ProductListOutput {
            items,
            exact_id,
            total: catalog::count(conn, &store_id)?,
        })
    }

    /// The product whose barcode or SKU is exactly `code`; `not_found` otherwise.
    pub fn product_lookup(&self, input: ProductLookupInput) -> ApiResult<ProductDto> {
        let me = self.current_session()?;
        let store_id = self.store_id()?;
        let store = self.store();
        let conn = store.conn();
        let p = catalog::by_code(conn, &store_id, &input.code)?.ok_or_else(|| {
            Error::not_found(format!(
                "no product has the barcode or SKU '{}'",
                input.code.trim()
            ))
        })?;
        View::new(conn, &store_id, &me)?.product(conn, &p, None)
    }

    /// A product page: stock per location, variants, batches, price history, movements.
    pub fn product_get(&self, input: ProductIdInput) -> ApiResult<ProductDetail> {
        let me = self.current_session()?;
        let store_id = self.store_id()?;
        let store = self.store();
        let conn = store.conn();
        let view = View::new(conn, &store_id, &me)?;
        let p = catalog::get(conn, &store_id, &input.id)?;
        let may_see_stock =
            allows(me.role, Permission::AdjustStock) || allows(me.role, Permission::EditCatalog);
        Ok(ProductDetail {
            product: view.product(conn, &p, None)?,
            levels: stock::levels_by_location(conn, &store_id, &p.id)?
                .into_iter()
                .map(|(l, lv)| LocationLevelDto {
                    location: location_dto(l),
                    level: level_dto(lv),
                })
                .collect(),
            variants: catalog::variants(conn, &store_id, &p.id)?
                .iter()
                .map(|v| view.product(conn, v, None))
                .collect::<ApiResult<_>>()?,
            batches: stock::batches(conn, &p.id)?
                .into_iter()
                .map(|b| BatchDto {
                    id: b.id,
                    code: b.code,
                    expires_on: b.expires_on,
                    on_hand: b.on_hand,
                })
                .collect(),
            price_history: catalog::price_history(conn, &p.id)?
                .into_iter()
                .map(|h| PriceChangeDto {
                    price_minor: h.price_minor,
                    cost_minor: h.cost_minor.filter(|_| view.show_cost),
                    changed_by: h.changed_by_name,
                    changed_at: h.changed_at,
                })
                .collect(),
            movements: if may_see_stock {
                stock::movements(conn, &p.id, None, 50)?
                    .into_iter()
                    .map(crate::stock::movement_dto)
                    .collect()
            } else {
                Vec::new()
            },
        })
    }

    /// Adds a product (edit_catalog and edit_prices; a cost needs view_cost_prices; first
    /// stock needs adjust_stock). Audited.
    pub fn product_create(&self, input: ProductCreateInput) -> ApiResult<ProductDto> {
        let me = self.require(Permission::EditCatalog)?;
        kassa_domain::role::require(me.role, Permission::EditPrices)?;
        if input.product.cost_minor.is_some() {
            kassa_domain::role::require(me.role, Permission::ViewCostPrices)?;
        }
        if input.initial_stock.is_some() {
            kassa_domain::role::require(me.role, Permission::AdjustStock)?;
        }
        let store_id = self.store_id()?;
        let by_path = input.category_path.filter(|p| !p.trim().is_empty());
        let by_name = input.tax_class_name.filter(|t| !t.trim().is_empty());
        if by_path.is_some() && input.product.category_id.is_some() {
            return Err(Error::invalid_input("give a category's id or its path, not both").into());
        }
        if by_name.is_some() && input.product.tax_class_id.is_some() {
            return Err(Error::invalid_input("give a tax class's id or its name, not both").into());
        }
        let mut data = to_data(input.product, None, true)?;
        let mut store = self.store();
        let id = store.write(|tx| {
            if let Some(name) = &by_name {
                data.tax_class_id = Some(tax_class_named(tx, &store_id, name)?);
            }
            // Made here, so a product that is refused leaves no new category behind.
            if let Some(path) = &by_path {
                data.category_id =
                    catalog::ensure_category_path(tx, &store_id, &me.staff_id, path)?;
            }
            let p = catalog::create(tx, &store_id, &me.staff_id, &data, AuditMode::PerProduct)?;
            if let Some(qty) = input.initial_stock.filter(|q| *q != 0) {
                stock::receive(
                    tx,
                    &store_id,
                    &me.staff_id,
                    &Receipt {
                        product_id: p.id.clone(),
                        qty,
                        location_id: input.location_id.clone(),
                        unit_cost_minor: p.data.cost_minor,
                        ..Default::default()
                    },
                )?;
            }
            Ok(p.id)
        })?;
        let conn = store.conn();
        let p = catalog::get(conn, &store_id, &id)?;
        View::new(conn, &store_id, &me)?.product(conn, &p, None)
    }

    /// Changes a product: catalog fields need edit_catalog, price and cost edit_prices (and
    /// view_cost_prices for the cost). Only changes are written and audited.
    pub fn product_update(&self, input: ProductUpdateInput) -> ApiResult<ProductDto> {
        let me = self.current_session()?;
        let store_id = self.store_id()?;
        let mut store = self.store();
        let current = catalog::get(store.conn(), &store_id, &input.id)?;
        let show_cost = allows(me.role, Permission::ViewCostPrices);
        let data = to_data(input.product, current.data.cost_minor, show_cost)?;
        let changed = catalog::changed_fields(&current.data, &data);
        let prices = changed
            .iter()
            .any(|f| f == "price_minor" || f == "cost_minor");
        let others = changed
            .iter()
            .any(|f| f != "price_minor" && f != "cost_minor");
        if others {
            kassa_domain::role::require(me.role, Permission::EditCatalog)?;
        }
        if prices {
            kassa_domain::role::require(me.role, Permission::EditPrices)?;
        }
        if !others && !prices {
            kassa_domain::role::require(me.role, Permission::EditCatalog)
                .or_else(|_| kassa_domain::role::require(me.role, Permission::EditPrices))?;
        }
        store.write(|tx| catalog::update(tx, &store_id, &me.staff_id, &input.id, &data))?;
        let conn = store.conn();
        let p = catalog::get(conn, &store_id, &input.id)?;
        View::new(conn, &store_id, &me)?.product(conn, &p, None)
    }

    /// Adds a category (edit_catalog).
    pub fn category_create(&self, input: CategoryCreateInput) -> ApiResult<CategoryDto> {
        let me = self.require(Permission::EditCatalog)?;
        let store_id = self.store_id()?;
        let mut store = self.store();
        let id = store.write(|tx| {
            catalog::create_category(
                tx,
                &store_id,
                &me.staff_id,
                &input.name,
                input.parent_id.as_deref(),
            )
        })?;
        catalog::categories(store.conn(), &store_id)?
            .into_iter()
            .find(|c| c.id == id)
            .map(|c| CategoryDto {
                id: c.id,
                parent_id: c.parent_id,
                name: c.name,
                path: c.path,
            })
            .ok_or_else(|| ApiError::new(ErrorCode::Internal, "the new category vanished"))
    }

    /// Adds a tax class (settings: an admin's and manager's matter).
    pub fn tax_class_create(&self, input: TaxClassCreateInput) -> ApiResult<TaxClassDto> {
        let me = self.require(Permission::Settings)?;
        let store_id = self.store_id()?;
        let rate = TaxRate::new(input.rate_bp, input.inclusive)?;
        let id = self.store().write(|tx| {
            catalog::create_tax_class(tx, &store_id, &me.staff_id, &input.name, rate)
        })?;
        Ok(TaxClassDto {
            id,
            name: input.name.trim().to_string(),
            rate_bp: rate.basis_points,
            inclusive: rate.inclusive,
        })
    }

    /// Checks a catalog CSV and, unless it is a dry run or any row is bad, imports it whole.
    pub fn catalog_import(&self, input: CsvImportInput) -> ApiResult<ImportReportDto> {
        let me = self.require(Permission::EditCatalog)?;
        kassa_domain::role::require(me.role, Permission::EditPrices)?;
        let header = input
            .csv
            .trim_start_matches('\u{feff}')
            .lines()
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if header.split([',', ';']).any(|h| h.trim() == "cost") {
            kassa_domain::role::require(me.role, Permission::ViewCostPrices)?;
        }
        let (store_id, exponent) = self.store_ctx()?;
        let r = self.store().write(|tx| {
            catalog_csv::import(
                tx,
                &store_id,
                &me.staff_id,
                &input.csv,
                exponent,
                input.dry_run,
            )
        })?;
        Ok(report_dto(r))
    }

    /// The catalog as CSV (cost prices only for roles that may see them).
    pub fn catalog_export(&self, _: NoInput) -> ApiResult<CsvExportOutput> {
        let me = self.require_any(&[Permission::EditCatalog, Permission::AdjustStock])?;
        let (store_id, exponent) = self.store_ctx()?;
        let (csv, rows) = catalog_csv::export(
            self.store().conn(),
            &store_id,
            exponent,
            allows(me.role, Permission::ViewCostPrices),
        )?;
        Ok(CsvExportOutput { csv, rows })
    }
}
