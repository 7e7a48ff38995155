//! The cash drawer and the day's close through the API: shifts with their X report, cash in
//! and out, Z reports, vouchers and the offline card payments waiting for the provider.

use crate::approval::approved;
use crate::context::Cx;
use crate::dto::*;
use crate::{Api, ApiError, ApiResult};
use kassa_domain::ErrorCode;
use kassa_domain::money::Currency;
use kassa_domain::role::Permission;
use kassa_domain::selling::cash::{count_total, denominations};
use kassa_store::selling::{card_findings, checkout, shift, voucher, zreport};
use kassa_store::{AuditInput, foundation::device, foundation::settings, identity::staff};
use serde_json::json;

fn shift_dto(conn: &kassa_store::Connection, s: &shift::Shift) -> ShiftDto {
    ShiftDto {
        id: s.id.clone(),
        number: s.number,
        status: s.status.clone(),
        opened_by_name: staff::get(conn, &s.opened_by).ok().map(|x| x.display_name),
        opened_at: s.opened_at.clone(),
        closed_at: s.closed_at.clone(),
        expected_minor: s.expected_minor,
        counted_minor: s.counted_minor,
        over_short_minor: s.counted_minor.zip(s.expected_minor).map(|(c, e)| c - e),
    }
}

fn figures_dto(f: &shift::ShiftFigures) -> ShiftFiguresDto {
    ShiftFiguresDto {
        orders: f.orders,
        sales_minor: f.sales_minor,
        refunds: f.refunds,
        refunds_minor: f.refunds_minor,
        cash_sales_minor: f.cash_sales_minor,
        card_sales_minor: f.card_sales_minor,
        voucher_sales_minor: f.voucher_sales_minor,
        cash_refunds_minor: f.cash_refunds_minor,
        cash_in_minor: f.cash_in_minor,
        cash_out_minor: f.cash_out_minor,
        booking_cash_minor: f.booking_cash_minor,
        float_minor: f.float_minor,
        expected_cash_minor: f.expected_cash_minor,
        drawer_opens: f.drawer_opens,
        card_declined_minor: f.card_declined_minor,
    }
}

/// The till's shift, its X report and the notes and coins to count, as the command's context
/// sees them.
fn shift_status(cx: &Cx<'_>) -> ApiResult<ShiftStatusDto> {
    let conn = cx.store.conn();
    let open = shift::open_shift(conn, &cx.device_id)?;
    let figures = match &open {
        Some(s) => Some(figures_dto(&shift::figures(conn, &s.id)?)),
        None => None,
    };
    Ok(ShiftStatusDto {
        shift: open.as_ref().map(|s| shift_dto(conn, s)),
        figures,
        denominations: denominations(&cx.currency),
        recent: shift::recent(conn, &cx.device_id, 10)?
            .iter()
            .map(|s| shift_dto(conn, s))
            .collect(),
    })
}

fn z_dto(
    f: &zreport::Figures,
    number: Option<i64>,
    date: String,
    closed_at: Option<String>,
    intact: bool,
) -> ZReportDto {
    ZReportDto {
        number,
        business_date: date,
        closed: number.is_some(),
        intact,
        closed_at,
        orders: f.orders,
        gross_minor: f.gross_minor,
        discount_minor: f.discount_minor,
        tax_minor: f.tax_minor,
        rounding_minor: f.rounding_minor,
        refunds: f.refunds,
        refunds_minor: f.refunds_minor,
        voids: f.voids,
        drawer_opens: f.drawer_opens,
        card_declined_minor: f.card_declined_minor,
        net_sales_minor: f.net_sales_minor(),
        by_tender: f.by_tender.clone(),
        refunds_by_tender: f.refunds_by_tender.clone(),
        bookings_by_tender: f.bookings_by_tender.clone(),
        booking_refunds_by_tender: f.booking_refunds_by_tender.clone(),
        by_tax: f
            .by_tax
            .iter()
            .map(|t| TaxLineDto {
                rate_bp: t.rate_bp,
                net_minor: t.net_minor,
                tax_minor: t.tax_minor,
                gross_minor: t.gross_minor,
            })
            .collect(),
    }
}

impl Api {
    fn currency_and_device(&self) -> ApiResult<(String, String, Currency)> {
        let store = self.store();
        let dev = device::device(store.conn())?
            .ok_or_else(|| ApiError::new(ErrorCode::NotSetUp, "this device has no store yet"))?;
        let st = device::store(store.conn(), &dev.store_id)?;
        Ok((dev.store_id, dev.id, st.currency))
    }

    fn counted(
        &self,
        currency: &Currency,
        counts: &[CountDto],
    ) -> ApiResult<(i64, serde_json::Value)> {
        let pairs: Vec<(i64, i64)> = counts
            .iter()
            .map(|c| (c.denomination_minor, c.count))
            .collect();
        let total = count_total(currency, &pairs)?;
        let json = json!(
            counts
                .iter()
                .filter(|c| c.count > 0)
                .map(|c| json!([c.denomination_minor, c.count]))
                .collect::<Vec<_>>()
        );
        Ok((total, json))
    }

    /// The till's shift, its X report and the notes and coins to count.
    pub fn shift_current(&self, _: NoInput) -> ApiResult<ShiftStatusDto> {
        let cx = self.begin(Permission::Sell)?;
        shift_status(&cx)
    }

    /// Opens a shift with the counted float.
    pub fn shift_open(&self, input: ShiftOpenInput) -> ApiResult<ShiftStatusDto> {
        let mut cx = self.begin(Permission::OpenCloseDrawer)?;
        let (float, counts) = self.counted(&cx.currency, &input.counts)?;
        let (store_id, staff_id) = (cx.store_id.clone(), cx.me.staff_id.clone());
        cx.store.write(|tx| {
            shift::open(tx, &store_id, &staff_id, float, Some(&counts), false).map(|_| ())
        })?;
        shift_status(&cx)
    }

    /// Cash in or out of the drawer with a reason.
    pub fn shift_cash(&self, input: ShiftCashInput) -> ApiResult<ShiftStatusDto> {
        let mut cx = self.begin(Permission::OpenCloseDrawer)?;
        let staff_id = cx.me.staff_id.clone();
        cx.store.write(|tx| {
            shift::cash_move(
                tx,
                &staff_id,
                &input.kind,
                input.amount_minor,
                &input.reason,
            )
        })?;
        shift_status(&cx)
    }

    /// Closes the shift with the counted cash: expected, counted, over or short.
    pub fn shift_close(&self, input: ShiftCloseInput) -> ApiResult<ShiftStatusDto> {
        let mut cx = self.begin(Permission::OpenCloseDrawer)?;
        let (counted, counts) = self.counted(&cx.currency, &input.counts)?;
        let staff_id = cx.me.staff_id.clone();
        cx.store.write(|tx| {
            shift::close(tx, &staff_id, counted, &counts, input.note.as_deref()).map(|_| ())
        })?;
        shift_status(&cx)
    }

    /// A Z report: a closed one by number, else a business date's figures (today by default).
    pub fn z_report(&self, input: ZReportInput) -> ApiResult<ZReportDto> {
        let me = self.current_session()?;
        if !kassa_domain::role::allows(me.role, Permission::ViewReports)
            && !kassa_domain::role::allows(me.role, Permission::OpenCloseDrawer)
        {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "your role may not see reports",
            ));
        }
        let (_, device_id, _) = self.currency_and_device()?;
        let store = self.store();
        if let Some(n) = input.number {
            let z = zreport::get(store.conn(), &device_id, n)?;
            return Ok(z_dto(
                &z.figures,
                Some(z.number),
                z.business_date,
                Some(z.created_at),
                z.intact,
            ));
        }
        let date = match input.date {
            Some(d) => chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                .map_err(|_| {
                    ApiError::new(
                        ErrorCode::InvalidInput,
                        format!("'{d}' is not a date (YYYY-MM-DD)"),
                    )
                })?
                .format("%Y-%m-%d")
                .to_string(),
            // Today's business day: after today's Z report, the next one is open.
            None => kassa_store::selling::business_date(store.conn(), store.clock().now())?,
        };
        if let Some(z) = zreport::for_date(store.conn(), &device_id, &date)? {
            return Ok(z_dto(
                &z.figures,
                Some(z.number),
                z.business_date,
                Some(z.created_at),
                z.intact,
            ));
        }
        let f = zreport::figures_for_date(store.conn(), &device_id, &date)?;
        Ok(z_dto(&f, None, date, None, true))
    }

    /// Closes the day for this till: a numbered Z report that cannot be changed afterwards.
    pub fn z_close(&self, _: NoInput) -> ApiResult<ZReportDto> {
        let mut cx = self.begin(Permission::OpenCloseDrawer)?;
        let staff_id = cx.me.staff_id.clone();
        let z = cx.store.write(|tx| zreport::close(tx, &staff_id))?;
        Ok(z_dto(
            &z.figures,
            Some(z.number),
            z.business_date,
            Some(z.created_at),
            z.intact,
        ))
    }

    /// The closed Z reports of this till, newest first.
    pub fn z_list(&self, _: NoInput) -> ApiResult<ZListDto> {
        let me = self.current_session()?;
        if !kassa_domain::role::allows(me.role, Permission::ViewReports)
            && !kassa_domain::role::allows(me.role, Permission::OpenCloseDrawer)
        {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "your role may not see reports",
            ));
        }
        let (_, device_id, _) = self.currency_and_device()?;
        let reports = zreport::list(self.store().conn(), &device_id, 100)?
            .into_iter()
            .map(|z| {
                z_dto(
                    &z.figures,
                    Some(z.number),
                    z.business_date,
                    Some(z.created_at),
                    z.intact,
                )
            })
            .collect();
        Ok(ZListDto { reports })
    }

    /// Issues a voucher (store credit); a cashier needs a manager's approval.
    pub fn voucher_issue(&self, input: VoucherIssueInput) -> ApiResult<VoucherDto> {
        let me = self.require(Permission::Sell)?;
        let approver = self.approve(&me, input.approval.as_ref(), Permission::RefundAboveLimit)?;
        let (store_id, _, _) = self.currency_and_device()?;
        if let Some(c) = &input.customer_id {
            kassa_store::customers::get(self.store().conn(), &store_id, c)?;
        }
        let mut store = self.store();
        let key = store.store_key()?.clone_key();
        let v = store.write(|tx| {
            let v = voucher::issue(
                tx,
                &key,
                &store_id,
                input.amount_minor,
                input.customer_id.as_deref(),
                None,
                &me.staff_id,
            )?;
            if let Some(a) = &approver {
                kassa_store::identity::approval::consume(tx, a)?;
                tx.audit(approved(
                    AuditInput::new("voucher.issue_approved")
                        .by(&me.staff_id)
                        .on("voucher", &v.id),
                    approver.as_ref(),
                ))?;
            }
            Ok(v)
        })?;
        Ok(VoucherDto {
            code: v.code,
            balance_minor: v.balance_minor,
            customer_id: v.customer_id,
        })
    }

    /// A voucher's balance.
    pub fn voucher_get(&self, input: VoucherRef) -> ApiResult<VoucherDto> {
        self.require(Permission::Sell)?;
        let store = self.store();
        let v = voucher::find(store.conn(), store.store_key()?, &input.code)?;
        Ok(VoucherDto {
            code: v.code,
            balance_minor: v.balance_minor,
            customer_id: v.customer_id,
        })
    }

    /// Card payments taken offline that wait for the provider, against the store's limits.
    pub fn cards_pending(&self, _: NoInput) -> ApiResult<PendingCardsDto> {
        self.require(Permission::ViewReports)?;
        let (store_id, _, _) = self.currency_and_device()?;
        let store = self.store();
        let conn = store.conn();
        let now = store.clock().now();
        let max_age = settings::get_int(conn, &store_id, "payments.offline_card_max_age_hours")?;
        let alarm_hours = settings::get_int(conn, &store_id, "payments.card_alarm_hours")?;
        let payments = checkout::pending_cards(conn)?
            .into_iter()
            .map(|p| {
                let age = kassa_store::parse_ts(&p.taken_at)
                    .map(|t| (now - t).num_hours())
                    .unwrap_or(0);
                PendingCardDto {
                    payment_id: p.payment_id,
                    order_id: p.order_id,
                    number: p.number,
                    amount_minor: p.amount_minor,
                    card_brand: p.card_brand,
                    card_last4: p.card_last4,
                    customer_contact: p.customer_contact,
                    taken_at: p.taken_at,
                    age_hours: age,
                    overdue: age > max_age,
                    alarm: age >= alarm_hours,
                    forward_error: p.forward_error,
                }
            })
            .collect();
        let (exposure, _) = checkout::offline_card_exposure(conn)?;
        let payments: Vec<PendingCardDto> = payments;
        Ok(PendingCardsDto {
            alarms: payments.iter().filter(|p| p.alarm).count() as u32,
            alarm_hours,
            payments,
            exposure_minor: exposure,
            exposure_limit_minor: settings::get_int(
                conn,
                &store_id,
                "payments.offline_card_exposure_minor",
            )?,
            per_payment_limit_minor: settings::get_int(
                conn,
                &store_id,
                "payments.offline_card_max_minor",
            )?,
            max_age_hours: max_age,
        })
    }

    /// What the server found about the store's card payments, newest first: the fixes
    /// reconciliation with the card provider made and the payments kept for a manager's
    /// review (managers). It asks the server; with the server out of reach, the list as this
    /// device last heard it, with when.
    pub fn card_findings(&self, _: NoInput) -> ApiResult<CardFindingsDto> {
        self.require(Permission::ViewReports)?;
        let heard_at = match kassa_sync_client::blocking::card_findings(&self.store) {
            Ok(_) => None,
            Err(e) if e.code == ErrorCode::ServerUnreachable => {
                let at = card_findings::list(self.store().conn())?.heard_at;
                if at.is_none() {
                    return Err(e.into());
                }
                at
            }
            Err(e) => return Err(e.into()),
        };
        let store = self.store();
        let findings = card_findings::list(store.conn())?
            .findings
            .into_iter()
            .map(|f| {
                let number = store
                    .conn()
                    .query_row(
                        "SELECT number FROM orders WHERE id = ?1",
                        [&f.order_id],
                        |r| r.get::<_, String>(0),
                    )
                    .ok();
                CardFindingDto {
                    at: f.at,
                    finding: f.finding,
                    order_id: f.order_id,
                    number,
                    payment_id: f.payment_id,
                    intent_id: f.intent_id,
                    amount_minor: f.amount_minor,
                    currency: f.currency,
                    status: f.status,
                    review: f.review,
                }
            })
            .collect();
        Ok(CardFindingsDto { findings, heard_at })
    }
}
