//! `kassa sell`, `refund`, `order`, `receipt`, `shift` and `report z`.

use super::{Outcome, to_json};
use crate::cli::{ReceiptArgs, RefundArgs, ReportCommand, SellArgs, ShiftCommand};
use crate::secrets;
use base64::Engine;
use kassa_app::dto::{
    CountDto, NoInput, OrderRef, ReceiptInput, RefundInput, RefundLineInput, SellInput,
    SellLineInput, ShiftCashInput, ShiftCloseInput, ShiftOpenInput, TenderInput, ZReportInput,
};
use kassa_app::{Api, ApiError};
use serde_json::json;

fn bad(message: impl Into<String>) -> ApiError {
    ApiError {
        code: "invalid_input".into(),
        message: message.into(),
    }
}

/// `NAME=NUMBER` → (NAME, NUMBER).
fn pair(text: &str, what: &str) -> Result<(String, i64), ApiError> {
    let (name, n) = text
        .rsplit_once('=')
        .ok_or_else(|| bad(format!("'{text}' is not {what}")))?;
    let n: i64 = n
        .trim()
        .parse()
        .map_err(|_| bad(format!("'{text}': '{n}' is not a whole number")))?;
    if name.trim().is_empty() {
        return Err(bad(format!("'{text}' is not {what}")));
    }
    Ok((name.trim().to_string(), n))
}

fn counts(items: &[String]) -> Result<Vec<CountDto>, ApiError> {
    items
        .iter()
        .map(|c| {
            let (d, n) = pair(c, "DENOMINATION_MINOR=COUNT")?;
            let d: i64 = d.parse().map_err(|_| {
                bad(format!(
                    "'{c}': the denomination is in minor units, e.g. 2000=3"
                ))
            })?;
            Ok(CountDto {
                denomination_minor: d,
                count: n,
            })
        })
        .collect()
}

/// Minor units as the store's currency writes them, for the text output.
fn money_fn(api: &Api) -> impl Fn(i64) -> String {
    let exponent = api
        .app_status(NoInput {})
        .ok()
        .and_then(|s| s.store)
        .map(|s| s.currency_exponent)
        .unwrap_or(2);
    move |minor| kassa_app::kassa_domain::money::format_minor(minor, exponent)
}

pub fn sell(api: &Api, a: &SellArgs) -> Result<Outcome, ApiError> {
    let money = money_fn(api);
    let lines = a
        .lines
        .iter()
        .map(|l| pair(l, "SKU=QTY").map(|(code, quantity)| SellLineInput { code, quantity }))
        .collect::<Result<Vec<_>, _>>()?;
    let tenders = a
        .pays
        .iter()
        .map(|p| {
            let (kind, amount) = pair(p, "KIND=MINOR (cash=2000, card=1250, voucher:CODE=500)")?;
            let (kind, code) = match kind.split_once(':') {
                Some((k, c)) => (k.to_string(), Some(c.to_string())),
                None => (kind, None),
            };
            Ok(TenderInput {
                customer_contact: (kind == "card").then(|| a.contact.clone()).flatten(),
                kind,
                amount_minor: amount,
                card_brand: None,
                card_last4: None,
                voucher_code: code,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let out = api.sell(SellInput {
        lines,
        tenders,
        customer_id: a.customer.clone(),
        idempotency_key: a.key.clone(),
    })?;
    let mut human = format!(
        "Sale {}: total {}",
        out.number,
        money(out.total_minor + out.rounding_minor)
    );
    if out.change_minor > 0 {
        human.push_str(&format!(", change {}", money(out.change_minor)));
    }
    if out.replayed {
        human.push_str(" (already recorded with this key)");
    }
    if out.card_pending {
        human.push_str(
            "\nThe card was authorised offline; it is confirmed when the provider is reached.",
        );
    }
    Ok(Outcome::new(&out, human))
}

pub fn refund(api: &Api, a: &RefundArgs) -> Result<Outcome, ApiError> {
    let money = money_fn(api);
    let lines = a
        .lines
        .iter()
        .map(|l| {
            pair(l, "SKU=QTY").map(|(sku, quantity)| RefundLineInput {
                order_line_id: None,
                sku: Some(sku),
                quantity,
                restock: Some(!a.damaged),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let out = api.refund(RefundInput {
        number: Some(a.order.clone()),
        order_id: None,
        lines: if lines.is_empty() { None } else { Some(lines) },
        reason: a.reason.clone(),
        approval: secrets::approval()?,
        idempotency_key: a.key.clone(),
    })?;
    let human = format!(
        "Refund {}: {} back ({}); the sale is now {}.",
        out.number,
        money(out.amount_minor + out.rounding_minor),
        out.tenders
            .iter()
            .map(|t| format!(
                "{} {}{}",
                t.kind,
                money(t.amount_minor),
                if t.status == "pending" {
                    " pending"
                } else {
                    ""
                }
            ))
            .collect::<Vec<_>>()
            .join(", "),
        out.status.replace('_', " ")
    );
    Ok(Outcome::new(&out, human))
}

pub fn order(api: &Api, number: &str) -> Result<Outcome, ApiError> {
    let money = money_fn(api);
    let o = api.order_get(OrderRef {
        order_id: None,
        number: Some(number.to_string()),
    })?;
    let mut human = format!(
        "{}  {}  {}  total {}\n",
        o.number,
        o.created_at,
        o.status,
        money(o.total_minor + o.rounding_minor)
    );
    for l in &o.lines {
        human.push_str(&format!(
            "  {:>3} × {:30} {:>10}{}\n",
            l.quantity,
            l.name,
            money(l.total_minor),
            if l.returned > 0 {
                format!("  ({} returned)", l.returned)
            } else {
                String::new()
            }
        ));
    }
    Ok(Outcome::new(&o, human))
}

pub fn receipt(api: &Api, a: &ReceiptArgs) -> Result<Outcome, ApiError> {
    let o = api.order_get(OrderRef {
        order_id: None,
        number: Some(a.order.clone()),
    })?;
    let r = api.receipt(ReceiptInput {
        order_id: Some(o.id),
        refund_id: None,
        format: a.format.clone(),
        open_drawer: None,
    })?;
    let bytes = match (&r.html, &r.base64) {
        (Some(h), _) => h.as_bytes().to_vec(),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .map_err(|e| bad(e.to_string()))?,
        _ => Vec::new(),
    };
    match &a.out {
        Some(path) => {
            std::fs::write(path, &bytes)
                .map_err(|e| bad(format!("cannot write {}: {e}", path.display())))?;
            Ok(Outcome {
                json: json!({"number": r.number, "format": r.format, "file": path, "bytes": bytes.len()}),
                human: format!("Wrote {} ({} bytes).", path.display(), bytes.len()),
            })
        }
        None => Ok(Outcome {
            human: r
                .html
                .clone()
                .unwrap_or_else(|| "Use --out FILE for pdf and escpos.".into()),
            json: to_json(&r),
        }),
    }
}

pub fn shift(api: &Api, c: &ShiftCommand) -> Result<Outcome, ApiError> {
    let money = money_fn(api);
    let status = match c {
        ShiftCommand::Status => api.shift_current(NoInput {})?,
        ShiftCommand::Open { counts: c } => {
            api.shift_open(ShiftOpenInput { counts: counts(c)? })?
        }
        ShiftCommand::CashIn {
            amount_minor,
            reason,
        } => api.shift_cash(ShiftCashInput {
            kind: "in".into(),
            amount_minor: *amount_minor,
            reason: reason.clone(),
        })?,
        ShiftCommand::CashOut {
            amount_minor,
            reason,
        } => api.shift_cash(ShiftCashInput {
            kind: "out".into(),
            amount_minor: *amount_minor,
            reason: reason.clone(),
        })?,
        ShiftCommand::Close { counts: c, note } => api.shift_close(ShiftCloseInput {
            counts: counts(c)?,
            note: note.clone(),
        })?,
    };
    let human = match (&status.shift, &status.figures) {
        (Some(s), Some(f)) => format!(
            "Shift {} open since {}: {} sales, {}; cash expected in the drawer {}.",
            s.number,
            s.opened_at,
            f.orders,
            money(f.sales_minor),
            money(f.expected_cash_minor)
        ),
        _ => match status.recent.first() {
            Some(s) if s.status == "closed" => format!(
                "No shift open. Shift {} closed: expected {}, counted {}, {} {}.",
                s.number,
                money(s.expected_minor.unwrap_or(0)),
                money(s.counted_minor.unwrap_or(0)),
                if s.over_short_minor.unwrap_or(0) >= 0 {
                    "over"
                } else {
                    "short"
                },
                money(s.over_short_minor.unwrap_or(0).abs())
            ),
            _ => "No shift open.".into(),
        },
    };
    Ok(Outcome::new(&status, human))
}

pub fn report(api: &Api, c: &ReportCommand) -> Result<Outcome, ApiError> {
    let money = money_fn(api);
    let ReportCommand::Z {
        date,
        close,
        number,
    } = c;
    let z = if *close {
        api.z_close(NoInput {})?
    } else {
        api.z_report(ZReportInput {
            date: date.clone(),
            number: *number,
        })?
    };
    let human = format!(
        "Z {}{}: {} orders, gross {}, tax {}, refunds {}, net {}\n{}",
        z.number.map(|n| format!("#{n} ")).unwrap_or_default(),
        z.business_date,
        z.orders,
        money(z.gross_minor),
        money(z.tax_minor),
        money(z.refunds_minor),
        money(z.net_sales_minor),
        z.by_tender
            .iter()
            .map(|(k, v)| format!("  {k}: {}", money(*v)))
            .collect::<Vec<_>>()
            .join("\n")
    );
    Ok(Outcome::new(&z, human))
}
