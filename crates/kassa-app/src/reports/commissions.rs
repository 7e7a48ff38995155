//! Commissions through the API: setting rates (the settings permission, audited), reading
//! them, one person's statement (anyone their own; another's for roles that see reports) and
//! its CSV or PDF, and each person's totals (computed by `kassa_store::commissions`).

use super::{Cell, Export, Table, Words, as_of};
use crate::dto::*;
use crate::{Api, ApiError, ApiResult};
use kassa_documents::report::BarChart;
use kassa_domain::ErrorCode;
use kassa_domain::commission::check_rate;
use kassa_domain::role::Permission;
use kassa_domain::settings::{COMMISSIONS_DEFAULT_BP, SettingValue};
use kassa_store::commissions::rates::{self, RateKind};
use kassa_store::commissions::statement::{self, Entry, Statement};
use kassa_store::foundation::settings;
use kassa_store::reports::Period;

fn entry_dto(e: Entry) -> CommissionEntryDto {
    CommissionEntryDto {
        id: e.id,
        business_date: e.business_date,
        created_at: e.created_at,
        source_kind: e.source_kind,
        source_id: e.source_id,
        source_ref: e.source_ref,
        cause_kind: e.cause_kind,
        cause_ref: e.cause_ref,
        base_minor: e.base_minor,
        rate_bp: e.rate_bp,
        amount_minor: e.amount_minor,
    }
}

fn statement_dto(s: Statement, basis: ReportBasisDto) -> CommissionStatementDto {
    CommissionStatementDto {
        staff_id: s.staff_id,
        name: s.name,
        from: s.period.from_text(),
        to: s.period.to_text(),
        basis,
        entries: s.entries.into_iter().map(entry_dto).collect(),
        earned_minor: s.earned_minor,
        reversed_minor: s.reversed_minor,
        net_minor: s.net_minor,
    }
}

/// A rate in basis points as a percentage with two decimals (`5.00 %`).
fn statement_table(s: &CommissionStatementDto, w: Words) -> Table {
    Table {
        columns: vec![
            ("key", false),
            ("date", false),
            ("source", false),
            ("reference", false),
            ("entry", false),
            ("receipt", false),
            ("base", true),
            ("rate", true),
            ("commission", true),
        ],
        rows: s
            .entries
            .iter()
            .map(|e| {
                vec![
                    Cell::Text(e.id.clone()),
                    Cell::Text(e.business_date.clone()),
                    Cell::Text(w.t(&e.source_kind).to_string()),
                    Cell::Text(e.source_ref.clone()),
                    Cell::Text(match e.cause_kind.as_str() {
                        "decline" => w.t("card declined").into(),
                        _ if e.amount_minor < 0 => w.t("reversed").into(),
                        _ => w.t("earned").into(),
                    }),
                    Cell::Text(e.cause_ref.clone()),
                    Cell::Money(e.base_minor),
                    Cell::Text(format!("{} %", w.money(i64::from(e.rate_bp), 2))),
                    Cell::Money(e.amount_minor),
                ]
            })
            .collect(),
    }
}

fn people_table(r: &CommissionsReportDto) -> Table {
    Table {
        columns: vec![
            ("key", false),
            ("person", false),
            ("entries", true),
            ("earned", true),
            ("reversed", true),
            ("net", true),
        ],
        rows: r
            .people
            .iter()
            .map(|p| {
                vec![
                    Cell::Text(p.staff_id.clone()),
                    Cell::Text(p.name.clone()),
                    Cell::Count(p.entries),
                    Cell::Money(p.earned_minor),
                    Cell::Money(p.reversed_minor),
                    Cell::Money(p.net_minor),
                ]
            })
            .collect(),
    }
}

impl Api {
    /// Sets or clears a commission rate (settings permission; audited and synced).
    pub fn commission_rate_set(
        &self,
        input: CommissionRateSetInput,
    ) -> ApiResult<CommissionRatesDto> {
        let mut cx = self.begin(Permission::Settings)?;
        if let Some(bp) = input.rate_bp {
            check_rate(i64::from(bp))?;
        }
        let (store_id, me) = (cx.store_id.clone(), cx.me.staff_id.clone());
        let subject = input
            .subject
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if input.kind.trim().eq_ignore_ascii_case("store") {
            if subject.is_some() {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    "the store's default rate names no trip, person or category",
                ));
            }
            let value = SettingValue::Int(i64::from(input.rate_bp.unwrap_or(0)));
            cx.store
                .write(|tx| settings::set(tx, &store_id, COMMISSIONS_DEFAULT_BP, value, &me))?;
        } else {
            let kind = RateKind::parse(&input.kind)?;
            let subject = subject.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "a {} rate needs the {} it is for",
                        kind.as_str(),
                        kind.as_str()
                    ),
                )
            })?;
            cx.store
                .write(|tx| rates::set_rate(tx, &store_id, &me, kind, subject, input.rate_bp))?;
        }
        drop(cx);
        self.commission_rates(NoInput {})
    }

    /// Every commission rate in force (roles that see reports).
    pub fn commission_rates(&self, _: NoInput) -> ApiResult<CommissionRatesDto> {
        self.require(Permission::ViewReports)?;
        let store_id = self.store_id()?;
        let store = self.store();
        let mut out = Vec::new();
        let default = settings::get_int(store.conn(), &store_id, COMMISSIONS_DEFAULT_BP)?;
        if default > 0 {
            out.push(CommissionRateDto {
                kind: "store".into(),
                subject_id: store_id.clone(),
                name: "Store default (agents)".into(),
                rate_bp: check_rate(default)?,
            });
        }
        for r in rates::rates(store.conn())? {
            out.push(CommissionRateDto {
                kind: r.kind.as_str().into(),
                subject_id: r.subject_id,
                name: r.name,
                rate_bp: r.rate_bp,
            });
        }
        Ok(CommissionRatesDto { rates: out })
    }

    /// One person's commission statement for a period: one's own for anyone signed in,
    /// another's for roles that see reports.
    pub fn commission_statement(
        &self,
        input: CommissionStatementInput,
    ) -> ApiResult<CommissionStatementDto> {
        let me = self.current_session()?;
        let period = Period::parse(&input.from, &input.to)?;
        let staff_id = match input
            .staff
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => me.staff_id.clone(),
            Some(s) if s == me.staff_id || s.eq_ignore_ascii_case(&me.email) => me.staff_id.clone(),
            Some(s) => {
                self.require(Permission::ViewReports)?;
                statement::person(self.store().conn(), s)?.0
            }
        };
        let basis = self.basis()?;
        let s = statement::statement(self.store().conn(), &staff_id, period)?;
        Ok(statement_dto(s, basis))
    }

    /// A commission statement as CSV or PDF (who may see the statement).
    pub fn commission_export(&self, input: CommissionExportInput) -> ApiResult<ReportFileDto> {
        let format = input.format.trim().to_ascii_lowercase();
        if format != "csv" && format != "pdf" {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("'{}' is not an export format (csv or pdf)", input.format),
            ));
        }
        let s = self.commission_statement(CommissionStatementInput {
            staff: input.staff,
            from: input.from,
            to: input.to,
        })?;
        let (_, exponent, currency) = self.report_store()?;
        let w = self.export_words(input.language.as_deref())?;
        let money = |m: i64| w.money(m, exponent);
        let export = Export {
            name: format!("commission-statement-{}-{}-{}", s.staff_id, s.from, s.to),
            title: format!("{}: {}", w.t("Commission statement"), s.name),
            filters: vec![
                (w.t("Person").into(), s.name.clone()),
                (w.t("Period").into(), w.period(&s.from, &s.to)),
                (w.t("Currency").into(), currency),
                (w.t("Data as of last sync").into(), as_of(&s.basis, w)),
            ],
            totals: vec![
                (w.t("Entries").into(), s.entries.len().to_string()),
                (w.t("Earned").into(), money(s.earned_minor)),
                (w.t("Reversed").into(), money(s.reversed_minor)),
                (w.t("Net").into(), money(s.net_minor)),
            ],
            chart: None,
            table: statement_table(&s, w),
        };
        self.export_file(export, format, exponent, w)
    }

    /// Commissions earned and reversed per person over a period (roles that see reports).
    pub fn report_commissions(&self, input: PeriodReportInput) -> ApiResult<CommissionsReportDto> {
        self.require(Permission::ViewReports)?;
        let period = Period::parse(&input.from, &input.to)?;
        let basis = self.basis()?;
        let people = statement::per_person(self.store().conn(), period)?;
        let earned_minor = people.iter().map(|p| p.earned_minor).sum();
        let reversed_minor = people.iter().map(|p| p.reversed_minor).sum();
        Ok(CommissionsReportDto {
            from: period.from_text(),
            to: period.to_text(),
            basis,
            people: people
                .into_iter()
                .map(|p| CommissionPersonDto {
                    staff_id: p.staff_id,
                    name: p.name,
                    entries: p.entries,
                    earned_minor: p.earned_minor,
                    reversed_minor: p.reversed_minor,
                    net_minor: p.net_minor,
                })
                .collect(),
            earned_minor,
            reversed_minor,
            net_minor: earned_minor + reversed_minor,
        })
    }

    /// The commissions report as an export.
    pub(super) fn commissions_export(
        &self,
        from: String,
        to: String,
        w: Words,
        money: &dyn Fn(i64) -> String,
        currency: &str,
    ) -> ApiResult<Export> {
        let r = self.report_commissions(PeriodReportInput { from, to })?;
        Ok(Export {
            name: format!("commissions-{}-{}", r.from, r.to),
            title: w.t("Commissions").into(),
            filters: vec![
                (w.t("Period").into(), w.period(&r.from, &r.to)),
                (w.t("Currency").into(), currency.to_string()),
                (w.t("Data as of last sync").into(), as_of(&r.basis, w)),
            ],
            totals: vec![
                (w.t("People").to_string(), r.people.len().to_string()),
                (w.t("Earned").into(), money(r.earned_minor)),
                (w.t("Reversed").into(), money(r.reversed_minor)),
                (w.t("Net").into(), money(r.net_minor)),
            ],
            chart: Some(BarChart {
                title: format!("{} ({currency})", w.t("Net commission per person")),
                bars: r
                    .people
                    .iter()
                    .map(|p| (p.name.clone(), p.net_minor, money(p.net_minor)))
                    .collect(),
            }),
            table: people_table(&r),
        })
    }
}
