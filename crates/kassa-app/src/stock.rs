//! The stock ledger through the API: receiving, adjusting, counting and moving stock need
//! `adjust_stock`; its history and alerts are for those who keep stock or the catalog;
//! its value at cost for those who may see cost prices.

use crate::catalog::{level_dto, location_dto};
use crate::dto::*;
use crate::{Api, ApiResult};
use kassa_domain::role::Permission;
use kassa_store::catalog;
use kassa_store::catalog::stock::{self, MovementRecord, Receipt};

pub(crate) fn movement_dto(m: MovementRecord) -> MovementDto {
    MovementDto {
        id: m.id,
        kind: m.kind.as_str().to_string(),
        qty: m.qty,
        location_id: m.location_id,
        location_name: m.location_name,
        batch_code: m.batch_code,
        reason: m.reason,
        ref_type: m.ref_type,
        ref_id: m.ref_id,
        staff_name: m.staff_name,
        created_at: m.created_at,
    }
}

impl Api {
    fn stock_change(
        &self,
        product_id: &str,
        location_id: &str,
        ids: Vec<String>,
    ) -> ApiResult<StockChangeOutput> {
        let store = self.store();
        let conn = store.conn();
        Ok(StockChangeOutput {
            product_id: product_id.to_string(),
            location_id: location_id.to_string(),
            level: level_dto(stock::level(conn, product_id, Some(location_id))?),
            total: level_dto(stock::level(conn, product_id, None)?),
            movement_ids: ids,
        })
    }

    /// Goods received from a supplier, optionally as a batch with an expiry date. Audited.
    pub fn stock_receive(&self, input: StockReceiveInput) -> ApiResult<StockChangeOutput> {
        let me = self.require(Permission::AdjustStock)?;
        let store_id = self.store_id()?;
        let w = self.store().write(|tx| {
            stock::receive(
                tx,
                &store_id,
                &me.staff_id,
                &Receipt {
                    product_id: input.product_id.clone(),
                    qty: input.qty,
                    location_id: input.location_id.clone(),
                    batch_code: input.batch_code.clone().filter(|b| !b.trim().is_empty()),
                    expires_on: input.expires_on.clone().filter(|b| !b.trim().is_empty()),
                    unit_cost_minor: input.unit_cost_minor,
                    note: input.note.clone().filter(|b| !b.trim().is_empty()),
                },
            )
        })?;
        self.stock_change(&input.product_id, &w.location_id, vec![w.id])
    }

    /// A correction with a reason; refused with `insufficient_stock` below zero unless
    /// allowed. Audited with the level before and after.
    pub fn stock_adjust(&self, input: StockAdjustInput) -> ApiResult<StockChangeOutput> {
        let me = self.require(Permission::AdjustStock)?;
        let store_id = self.store_id()?;
        let location = input
            .location_id
            .clone()
            .unwrap_or_else(|| stock::main_location_id(&store_id));
        let w = self.store().write(|tx| {
            stock::adjust(
                tx,
                &store_id,
                &me.staff_id,
                &input.product_id,
                input.delta,
                &input.reason,
                Some(&location),
            )
        })?;
        self.stock_change(
            &input.product_id,
            &location,
            w.into_iter().map(|w| w.id).collect(),
        )
    }

    /// Moves stock between two locations. Audited.
    pub fn stock_transfer(&self, input: StockTransferInput) -> ApiResult<StockTransferOutput> {
        let me = self.require(Permission::AdjustStock)?;
        let store_id = self.store_id()?;
        let mut store = self.store();
        let transfer_id = store.write(|tx| {
            stock::transfer(
                tx,
                &store_id,
                &me.staff_id,
                &input.product_id,
                input.qty,
                &input.from_location_id,
                &input.to_location_id,
            )
        })?;
        let conn = store.conn();
        Ok(StockTransferOutput {
            transfer_id,
            from: level_dto(stock::level(
                conn,
                &input.product_id,
                Some(&input.from_location_id),
            )?),
            to: level_dto(stock::level(
                conn,
                &input.product_id,
                Some(&input.to_location_id),
            )?),
        })
    }

    /// Posts a stock count: the differences become one count, in one transaction. Audited.
    pub fn stock_count(&self, input: StockCountInput) -> ApiResult<StockCountOutput> {
        let me = self.require(Permission::AdjustStock)?;
        let store_id = self.store_id()?;
        let lines: Vec<(String, i64)> = input
            .lines
            .iter()
            .map(|l| (l.product_id.clone(), l.counted))
            .collect();
        let mut store = self.store();
        let (count_id, posted) = store.write(|tx| {
            stock::post_count(
                tx,
                &store_id,
                &me.staff_id,
                input.location_id.as_deref(),
                &lines,
            )
        })?;
        let conn = store.conn();
        let mut out = Vec::new();
        for l in posted {
            let p = catalog::get(conn, &store_id, &l.product_id)?;
            out.push(CountLineDto {
                sku: p.data.sku.clone(),
                name: p.display_name(),
                product_id: l.product_id,
                expected: l.expected,
                counted: l.counted,
                difference: l.counted - l.expected,
            });
        }
        Ok(StockCountOutput {
            count_id,
            lines: out,
        })
    }

    /// An item's movements, newest first.
    pub fn stock_movements(&self, input: StockMovementsInput) -> ApiResult<StockMovementsOutput> {
        self.require_any(&[Permission::AdjustStock, Permission::EditCatalog])?;
        let store_id = self.store_id()?;
        let store = self.store();
        let conn = store.conn();
        catalog::get(conn, &store_id, &input.product_id)?;
        Ok(StockMovementsOutput {
            items: stock::movements(
                conn,
                &input.product_id,
                input.location_id.as_deref(),
                input.limit.unwrap_or(100),
            )?
            .into_iter()
            .map(movement_dto)
            .collect(),
        })
    }

    /// Low stock and batches expiring within the store's warning days.
    pub fn stock_alerts(&self, _: NoInput) -> ApiResult<StockAlertsOutput> {
        self.require_any(&[Permission::AdjustStock, Permission::EditCatalog])?;
        let store_id = self.store_id()?;
        let store = self.store();
        let today = store.clock().now().date_naive();
        let a = stock::alerts(store.conn(), &store_id, today)?;
        Ok(StockAlertsOutput {
            low: a
                .low
                .into_iter()
                .map(|l| LowStockDto {
                    product_id: l.product_id,
                    sku: l.sku,
                    name: l.name,
                    available: l.available,
                    threshold: l.threshold,
                })
                .collect(),
            expiring: a
                .expiring
                .into_iter()
                .map(|e| ExpiringDto {
                    product_id: e.product_id,
                    sku: e.sku,
                    name: e.name,
                    batch_code: e.batch_code,
                    expires_on: e.expires_on,
                    expired: e.expired,
                    on_hand: e.on_hand,
                })
                .collect(),
        })
    }

    /// The stock on hand valued at cost (view_cost_prices).
    pub fn stock_valuation(&self, _: NoInput) -> ApiResult<StockValuationOutput> {
        self.require(Permission::ViewCostPrices)?;
        let store_id = self.store_id()?;
        let v = stock::valuation(self.store().conn(), &store_id)?;
        Ok(StockValuationOutput {
            total_minor: v.total_minor,
            units: v.units,
            by_location: v
                .by_location
                .into_iter()
                .map(|(l, value, units)| LocationValueDto {
                    location: location_dto(l),
                    value_minor: value,
                    units,
                })
                .collect(),
            items_without_cost: v.items_without_cost,
        })
    }

    /// An item's stock by barcode or SKU, over all locations or at one: the ledger's sum,
    /// for everyone signed in (the till shows it too). An unknown item or location is
    /// `not_found`, never a level of 0.
    pub fn stock_level(&self, input: StockLevelInput) -> ApiResult<StockLevelOutput> {
        self.current_session()?;
        let store_id = self.store_id()?;
        let store = self.store();
        let conn = store.conn();
        let p = catalog::by_code(conn, &store_id, &input.code)?.ok_or_else(|| {
            kassa_domain::Error::not_found(format!(
                "no product has the barcode or SKU '{}'",
                input.code.trim()
            ))
        })?;
        if let Some(loc) = &input.location_id {
            let known = *loc == stock::main_location_id(&store_id)
                || stock::locations(conn, &store_id)?
                    .iter()
                    .any(|l| l.id == *loc);
            if !known {
                return Err(
                    kassa_domain::Error::not_found(format!("no location with id {loc}")).into(),
                );
            }
        }
        let level = if p.data.stock_tracked {
            Some(level_dto(stock::level(
                conn,
                &p.id,
                input.location_id.as_deref(),
            )?))
        } else {
            None
        };
        Ok(StockLevelOutput {
            sku: p.data.sku.clone(),
            name: p.display_name(),
            product_id: p.id,
            stock_tracked: p.data.stock_tracked,
            location_id: input.location_id,
            level,
        })
    }

    /// Adds a location (settings).
    pub fn location_create(&self, input: LocationCreateInput) -> ApiResult<LocationDto> {
        let me = self.require(Permission::Settings)?;
        let store_id = self.store_id()?;
        let mut store = self.store();
        let id =
            store.write(|tx| stock::create_location(tx, &store_id, &me.staff_id, &input.name))?;
        stock::locations(store.conn(), &store_id)?
            .into_iter()
            .find(|l| l.id == id)
            .map(location_dto)
            .ok_or_else(|| kassa_domain::Error::internal("the new location vanished").into())
    }
}
