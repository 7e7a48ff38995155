//! `kassa sell`, `refund`, `order`, `receipt`, `shift` and `report z`.

use super::{MoneyText, Outcome, to_json};
use crate::cli::{
    PaymentsCommand, ReceiptArgs, RefundArgs, ReportCommand, SellArgs, ShiftCommand, VoucherCommand,
};
use crate::secrets;
use base64::Engine;
use kassa_app::dto::{
    CountDto, DrawerOpenInput, NoInput, OrderRef, ReceiptInput, RefundInput, RefundLineInput,
    SellInput, SellLineInput, ShiftCashInput, ShiftCloseInput, ShiftOpenInput, TenderInput,
    VoidInput, VoucherIssueInput, VoucherRef, ZReportInput,
};
use kassa_app::{Api, ApiError};
use serde_json::json;

fn bad(message: impl Into<String>) -> ApiError {
    ApiError {
        code: "invalid_input".into(),
        message: message.into(),
        permission: None,
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

/// The voucher codes for the sale's voucher tenders, in order, from KASSA_VOUCHER_CODE
/// (comma-separated) or asked on a terminal.
fn voucher_codes(needed: usize) -> Result<Vec<String>, ApiError> {
    if needed == 0 {
        return Ok(Vec::new());
    }
    let text = secrets::named(
        "KASSA_VOUCHER_CODE",
        "the voucher's code",
        "Voucher code (several: separated by commas): ",
    )?;
    let codes: Vec<String> = text
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if codes.len() != needed {
        return Err(bad(format!(
            "{needed} voucher payment(s) but KASSA_VOUCHER_CODE holds {} code(s); \
             give one code per --pay voucher=…, comma-separated, in the same order",
            codes.len()
        )));
    }
    Ok(codes)
}

/// `--pay KIND=MINOR` values as `(kind, amount, voucher code)`, the codes of the voucher
/// payments from KASSA_VOUCHER_CODE in order; a code written into the argument is refused.
pub(crate) fn pays_with_codes(
    pays: &[String],
    hint: &str,
) -> Result<Vec<(String, i64, Option<String>)>, ApiError> {
    let pays = pays
        .iter()
        .map(|p| {
            let (kind, amount) = pair(p, hint)?;
            if kind.contains(':') {
                return Err(bad(format!(
                    "'{p}': a voucher's code is never passed as an argument (other users of this \
                     machine can read arguments); write --pay voucher={amount} and set \
                     KASSA_VOUCHER_CODE"
                )));
            }
            Ok((kind, amount))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let mut codes = voucher_codes(pays.iter().filter(|(k, _)| k == "voucher").count())?.into_iter();
    Ok(pays
        .into_iter()
        .map(|(kind, amount)| {
            let code = if kind == "voucher" {
                codes.next()
            } else {
                None
            };
            (kind, amount, code)
        })
        .collect())
}

pub fn sell(api: &Api, a: &SellArgs) -> Result<Outcome, ApiError> {
    let lines = a
        .lines
        .iter()
        .map(|l| pair(l, "SKU=QTY").map(|(code, quantity)| SellLineInput { code, quantity }))
        .collect::<Result<Vec<_>, _>>()?;
    let tenders = pays_with_codes(&a.pays, "KIND=MINOR (cash=2000, card=1250, voucher=500)")?
        .into_iter()
        .map(|(kind, amount, code)| TenderInput {
            customer_contact: (kind == "card").then(|| a.contact.clone()).flatten(),
            card_token: (kind == "card").then(|| a.card_token.clone()).flatten(),
            kind,
            amount_minor: amount,
            card_brand: None,
            card_last4: None,
            voucher_code: code,
        })
        .collect::<Vec<_>>();
    let out = api.sell(SellInput {
        lines,
        tenders,
        customer_id: a.customer.clone(),
        idempotency_key: a.key.clone(),
    })?;
    let money = MoneyText::of(api)?;
    let money = |m| money.show(m);
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
    let money = MoneyText::of(api)?;
    let money = |m| money.show(m);
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
                match t.status.as_str() {
                    "pending" => " pending (to the card at the next sync)",
                    "refunded" => " refunded to the card",
                    "failed" => " refused by the card provider: pay the customer back another way",
                    "not_charged" => " not charged (the card was declined)",
                    _ => "",
                }
            ))
            .collect::<Vec<_>>()
            .join(", "),
        out.status.replace('_', " ")
    );
    Ok(Outcome::new(&out, human))
}

pub fn void(api: &Api, number: &str, reason: &str) -> Result<Outcome, ApiError> {
    let o = api.order_get(OrderRef {
        order_id: None,
        number: Some(number.to_string()),
    })?;
    let out = api.void_order(VoidInput {
        order_id: o.id,
        reason: reason.to_string(),
        approval: secrets::approval()?,
    })?;
    let money = MoneyText::of(api)?;
    let human = format!(
        "{} is void: {} back to the original tenders.",
        number,
        money.show(out.amount_minor + out.rounding_minor)
    );
    Ok(Outcome::new(&out, human))
}

pub fn order(api: &Api, number: &str) -> Result<Outcome, ApiError> {
    let o = api.order_get(OrderRef {
        order_id: None,
        number: Some(number.to_string()),
    })?;
    let money = MoneyText::of(api)?;
    let money = |m| money.show(m);
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
    if o.balance_owed_minor > 0 {
        human.push_str(&format!(
            "  Owed: {} (a card was declined after the sale)\n",
            money(o.balance_owed_minor)
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
            Ok(Outcome::from_json(
                json!({"number": r.number, "format": r.format, "file": path, "bytes": bytes.len()}),
                format!("Wrote {} ({} bytes).", path.display(), bytes.len()),
            ))
        }
        None => Ok(Outcome::from_json(
            to_json(&r),
            r.html
                .clone()
                .unwrap_or_else(|| "Use --out FILE for pdf and escpos.".into()),
        )),
    }
}

pub fn shift(api: &Api, c: &ShiftCommand) -> Result<Outcome, ApiError> {
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
        ShiftCommand::NoSale { reason } => {
            api.drawer_open(DrawerOpenInput {
                reason: reason.clone(),
            })?;
            api.shift_current(NoInput {})?
        }
        ShiftCommand::Close { counts: c, note } => api.shift_close(ShiftCloseInput {
            counts: counts(c)?,
            note: note.clone(),
        })?,
    };
    let money = MoneyText::of(api)?;
    let money = |m| money.show(m);
    let human = match (&status.shift, &status.figures) {
        (Some(s), Some(f)) => format!(
            "Shift {} open since {}: {} sales, {}; cash expected in the drawer {}; drawer opened {} time(s) without a sale.",
            s.number,
            s.opened_at,
            f.orders,
            money(f.sales_minor),
            money(f.expected_cash_minor),
            f.drawer_opens
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
    let ReportCommand::Z {
        date,
        close,
        number,
    } = c
    else {
        return super::reports::run(api, c);
    };
    let z = if *close {
        api.z_close(NoInput {})?
    } else {
        api.z_report(ZReportInput {
            date: date.clone(),
            number: *number,
        })?
    };
    let money = MoneyText::of(api)?;
    let money = |m| money.show(m);
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

pub fn voucher(api: &Api, c: &VoucherCommand) -> Result<Outcome, ApiError> {
    let v = match c {
        VoucherCommand::Issue {
            amount_minor,
            customer,
        } => api.voucher_issue(VoucherIssueInput {
            amount_minor: *amount_minor,
            customer_id: customer.clone(),
            approval: secrets::approval()?,
        })?,
        VoucherCommand::Balance => api.voucher_get(VoucherRef {
            code: secrets::named("KASSA_VOUCHER_CODE", "the voucher's code", "Voucher code: ")?,
        })?,
    };
    let money = MoneyText::of(api)?;
    let human = match c {
        VoucherCommand::Issue { .. } => format!(
            "Voucher worth {}. Hand over this code; it is what pays:\n\n  {}\n",
            money.show(v.balance_minor),
            v.code
        ),
        VoucherCommand::Balance => format!("Balance: {}.", money.show(v.balance_minor)),
    };
    Ok(Outcome::new(&v, human))
}

/// `kassa payments pending|findings`: card payments taken offline that wait for the
/// provider, and what the server found about the store's card payments.
pub fn payments(api: &Api, c: &PaymentsCommand) -> Result<Outcome, ApiError> {
    match c {
        PaymentsCommand::Pending => {
            let out = api.cards_pending(NoInput {})?;
            let mut human = String::new();
            for p in &out.payments {
                human.push_str(&format!(
                    "{}  {}  {} {}  {}h{}  contact {}\n",
                    p.number,
                    p.amount_minor,
                    p.card_brand.as_deref().unwrap_or("card"),
                    p.card_last4.as_deref().unwrap_or("????"),
                    p.age_hours,
                    if p.overdue { " (overdue)" } else { "" },
                    p.customer_contact.as_deref().unwrap_or("-"),
                ));
            }
            human.push_str(&format!(
                "{} waiting, {} of {} minor units offline.",
                out.payments.len(),
                out.exposure_minor,
                out.exposure_limit_minor
            ));
            Ok(Outcome::new(&out, human))
        }
        PaymentsCommand::Findings => {
            let out = api.card_findings(NoInput {})?;
            let mut human = String::new();
            for f in &out.findings {
                human.push_str(&format!(
                    "{}  {}  {}  {} {}  {}{}\n",
                    f.at,
                    f.finding,
                    f.number.as_deref().unwrap_or(&f.order_id),
                    f.amount_minor,
                    f.currency,
                    f.status,
                    f.review
                        .as_deref()
                        .map(|r| format!("  review: {r}"))
                        .unwrap_or_default(),
                ));
            }
            human.push_str(&format!("{} findings.", out.findings.len()));
            if let Some(at) = &out.heard_at {
                human.push_str(&format!(" The server cannot be reached: as heard at {at}."));
            }
            Ok(Outcome::new(&out, human))
        }
    }
}

/// Every email of the store, newest first, with where it stands.
pub fn store_emails(api: &Api, filter: Option<String>) -> Result<Outcome, ApiError> {
    let out = api.emails_list(kassa_app::dto::EmailsListInput {
        filter,
        limit: None,
    })?;
    let mut human = format!(
        "{} waiting, {} sent, {} failed\n",
        out.waiting, out.sent, out.failed
    );
    for e in &out.emails {
        let state = match (e.status.as_str(), e.on_server) {
            ("queued", false) => "waiting for sync".to_string(),
            (s, _) => s.to_string(),
        };
        human.push_str(&format!(
            "{}  {}  {}  {}{}\n",
            e.queued_at,
            e.kind,
            e.to,
            state,
            e.last_error
                .as_deref()
                .filter(|_| e.status == "failed")
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ));
    }
    Ok(Outcome::new(&out, human.trim_end().to_owned()))
}

pub fn emails(api: &Api, number: &str) -> Result<Outcome, ApiError> {
    let o = api.order_get(OrderRef {
        order_id: None,
        number: Some(number.to_string()),
    })?;
    let emails = api
        .receipt_emails(kassa_app::dto::ReceiptEmailsInput {
            order_id: o.id.clone(),
        })?
        .emails;
    let mut human = String::new();
    for e in &emails {
        human.push_str(&format!(
            "{}  {}  {}{}\n",
            e.queued_at,
            e.to,
            e.status,
            e.last_error
                .as_deref()
                .filter(|_| e.status == "failed")
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ));
    }
    if emails.is_empty() {
        human.push_str("No receipt emails for this sale.");
    }
    Ok(Outcome::new(&emails, human.trim_end().to_owned()))
}
