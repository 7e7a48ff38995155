//! Receipts through the API: a sale or refund laid out in the store's language and rendered
//! as HTML (print preview), PDF (email, archive) or ESC/POS bytes (thermal printer).

use crate::dto::{
    DrawerOpenInput, EmailListOutput, Ok, ReceiptEmailInput, ReceiptEmailsInput, ReceiptInput,
    ReceiptOutput, ReceiptPrintInput,
};
use crate::{Api, ApiError, ApiResult};
use base64::Engine;
use kassa_documents::{Labels, Receipt, ReceiptKind, ReceiptLine, ReceiptTax, ReceiptTender};
use kassa_domain::ErrorCode;
use kassa_domain::money::Currency;
use kassa_domain::role::Permission;
use kassa_domain::settings::{PRINTER_TARGET, PrinterTarget, printer_target};
use kassa_store::selling::{drawer, email, order, refund};
use kassa_store::{AuditInput, foundation::device, foundation::settings, identity::staff};
use serde_json::json;

const LETTERS: [char; 8] = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];

fn card_detail(
    brand: Option<&str>,
    last4: Option<&str>,
    status: &str,
    labels: &Labels,
) -> Option<String> {
    let card = match (brand, last4) {
        (Some(b), Some(l)) => Some(format!("{b} •••• {l}")),
        (Some(b), None) => Some(b.to_string()),
        (None, Some(l)) => Some(format!("•••• {l}")),
        (None, None) => None,
    };
    // A sale's card waiting for the provider, or a refund's card share as it stands.
    let pending = match status {
        "offline_pending" => Some(labels.card_pending),
        "pending" => Some(labels.refund_pending),
        "failed" => Some(labels.refund_failed),
        "not_charged" => Some(labels.refund_not_charged),
        _ => None,
    };
    match (card, pending) {
        (Some(c), Some(p)) => Some(format!("{c} — {p}")),
        (Some(c), None) => Some(c),
        (None, Some(p)) => Some(p.to_string()),
        (None, None) => None,
    }
}

impl Api {
    /// The receipt of a sale or refund as the document model.
    pub(crate) fn receipt_document(
        &self,
        order_id: Option<&str>,
        refund_id: Option<&str>,
    ) -> ApiResult<Receipt> {
        let store = self.store();
        let conn = store.conn();
        let dev =
            device::device(conn)?.ok_or_else(|| ApiError::new(ErrorCode::NotSetUp, "no device"))?;
        let st = device::store(conn, &dev.store_id)?;
        let lang = settings::get_text(conn, &dev.store_id, "receipt.language")?;
        let labels = Labels::for_language(&lang);
        let lines_of = |text: String| -> Vec<String> {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        };
        let header_lines = lines_of(settings::get_text(conn, &dev.store_id, "receipt.header")?);
        let footer_lines = lines_of(settings::get_text(conn, &dev.store_id, "receipt.footer")?);
        let refund = match (order_id, refund_id) {
            (Some(_), None) => None,
            (None, Some(r)) => Some(refund::load(conn, r)?),
            _ => {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    "give the order id or the refund id",
                ));
            }
        };
        let order_id = match (&refund, order_id) {
            (Some(r), _) => r.order_id.clone(),
            (None, Some(o)) => o.to_string(),
            (None, None) => {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    "give the order id or the refund id",
                ));
            }
        };
        let o = order::load(conn, &order_id)?;
        let currency = Currency::from_code(&o.currency)?;
        let mut rates: Vec<u32> = o.taxes.iter().map(|t| t.rate_bp).collect();
        rates.sort_unstable_by(|a, b| b.cmp(a));
        let letter = |bp: u32| {
            rates
                .iter()
                .position(|r| *r == bp)
                .and_then(|i| LETTERS.get(i))
                .copied()
                .unwrap_or('?')
        };
        let local_time = |ts: &str| {
            chrono::DateTime::parse_from_rfc3339(ts)
                .map(|t| {
                    t.with_timezone(&chrono::Local)
                        .format(labels.date_time_format)
                        .to_string()
                })
                .unwrap_or_else(|_| ts.to_string())
        };
        let name_of = |id: &str| {
            staff::get(conn, id)
                .map(|s| s.display_name)
                .unwrap_or_default()
        };
        let customer = o
            .customer_id
            .as_deref()
            .and_then(|c| kassa_store::customers::get(conn, &dev.store_id, c).ok())
            .map(|c| c.data.name);
        let receipt = match refund {
            None => Receipt {
                kind: ReceiptKind::Sale,
                store_name: st.name.clone(),
                header_lines,
                number: o.number.clone(),
                refers_to: None,
                date_time: local_time(&o.created_at),
                staff_name: name_of(&o.staff_id),
                device_code: dev.code.clone(),
                customer,
                currency,
                lines: o
                    .lines
                    .iter()
                    .map(|l| ReceiptLine {
                        name: l.name.clone(),
                        quantity: l.quantity,
                        unit_price_minor: l.unit_price_minor,
                        discount_minor: l.discount_minor,
                        total_minor: l.total_minor,
                        tax_letter: letter(l.tax_rate_bp),
                    })
                    .collect(),
                subtotal_minor: o.subtotal_minor,
                discount_minor: o.discount_minor,
                total_minor: o.total_minor,
                rounding_minor: o.rounding_minor,
                taxes: o
                    .taxes
                    .iter()
                    .map(|t| ReceiptTax {
                        letter: letter(t.rate_bp),
                        rate_bp: t.rate_bp,
                        net_minor: t.net_minor,
                        tax_minor: t.tax_minor,
                        gross_minor: t.gross_minor,
                    })
                    .collect(),
                tenders: o
                    .payments
                    .iter()
                    .map(|p| ReceiptTender {
                        label: labels.tender(&p.kind).to_string(),
                        amount_minor: if p.kind == "cash" {
                            p.tendered_minor
                        } else {
                            p.amount_minor
                        },
                        detail: card_detail(
                            p.card_brand.as_deref(),
                            p.card_last4.as_deref(),
                            &p.status,
                            labels,
                        ),
                    })
                    .collect(),
                change_minor: o.change_minor,
                footer_lines,
                labels,
            },
            Some(rf) => {
                let mut lines = Vec::new();
                let mut taxes: Vec<ReceiptTax> = Vec::new();
                for (line_id, qty, amt, t) in &rf.lines {
                    let l = o.lines.iter().find(|l| &l.id == line_id).ok_or_else(|| {
                        ApiError::new(ErrorCode::Storage, "a refund line lost its sale line")
                    })?;
                    lines.push(ReceiptLine {
                        name: l.name.clone(),
                        quantity: *qty,
                        unit_price_minor: l.unit_price_minor,
                        discount_minor: 0,
                        total_minor: -amt,
                        tax_letter: letter(l.tax_rate_bp),
                    });
                    match taxes.iter_mut().find(|x| x.rate_bp == l.tax_rate_bp) {
                        Some(x) => {
                            x.tax_minor += t;
                            x.gross_minor += amt;
                            x.net_minor += amt - t;
                        }
                        None => taxes.push(ReceiptTax {
                            letter: letter(l.tax_rate_bp),
                            rate_bp: l.tax_rate_bp,
                            net_minor: amt - t,
                            tax_minor: *t,
                            gross_minor: *amt,
                        }),
                    }
                }
                let tenders = rf
                    .tenders
                    .iter()
                    .map(|x| ReceiptTender {
                        label: labels.tender(&x.kind).to_string(),
                        amount_minor: x.amount_minor,
                        detail: card_detail(
                            x.card_brand.as_deref(),
                            x.card_last4.as_deref(),
                            &x.status,
                            labels,
                        ),
                    })
                    .collect();
                Receipt {
                    kind: ReceiptKind::Refund,
                    store_name: st.name.clone(),
                    header_lines,
                    number: rf.number.clone(),
                    refers_to: Some(o.number.clone()),
                    date_time: local_time(&rf.created_at),
                    staff_name: name_of(&rf.staff_id),
                    device_code: dev.code.clone(),
                    customer,
                    currency,
                    subtotal_minor: rf.amount_minor,
                    discount_minor: 0,
                    total_minor: rf.amount_minor,
                    rounding_minor: rf.rounding_minor,
                    lines,
                    taxes,
                    tenders,
                    change_minor: 0,
                    footer_lines,
                    labels,
                }
            }
        };
        Ok(receipt)
    }

    /// A receipt as HTML, PDF (base64) or ESC/POS bytes (base64).
    pub fn receipt(&self, input: ReceiptInput) -> ApiResult<ReceiptOutput> {
        self.require(Permission::Sell)?;
        let doc = self.receipt_document(input.order_id.as_deref(), input.refund_id.as_deref())?;
        let b64 = |bytes: Vec<u8>| base64::engine::general_purpose::STANDARD.encode(bytes);
        let (html, base64) = match input.format.as_str() {
            "html" => (Some(kassa_documents::html::render(&doc)?), None),
            "pdf" => (None, Some(b64(kassa_documents::pdf::render(&doc)?))),
            "escpos" => (
                None,
                Some(b64(kassa_documents::escpos::render(
                    &doc,
                    input.open_drawer.unwrap_or(false),
                )?)),
            ),
            other => {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("'{other}' is not a receipt format (html, pdf, escpos)"),
                ));
            }
        };
        Ok(ReceiptOutput {
            format: input.format,
            html,
            base64,
            number: doc.number,
        })
    }

    /// This till's receipt printer (`printer.target`, set per device), read again at use: only
    /// a printer device or a network printer, never a file. `not_found` when none is set up.
    fn printer_target(&self) -> ApiResult<(String, PrinterTarget)> {
        let target = {
            let store = self.store();
            let dev = device::device(store.conn())?
                .ok_or_else(|| ApiError::new(ErrorCode::NotSetUp, "no device"))?;
            settings::get_text(store.conn(), &dev.store_id, PRINTER_TARGET)?
        };
        let printer = printer_target(&target)?;
        if printer == PrinterTarget::None {
            return Err(ApiError::new(
                ErrorCode::NotFound,
                "no receipt printer is set up on this till (Admin → Settings → printer.target)",
            ));
        }
        Ok((target.trim().to_string(), printer))
    }

    /// Sends ESC/POS bytes to the printer.
    fn send_to_printer(
        &self,
        (target, printer): &(String, PrinterTarget),
        bytes: &[u8],
    ) -> ApiResult<()> {
        let failed = |e: std::io::Error| {
            ApiError::new(
                ErrorCode::Unavailable,
                format!("the receipt printer at {target} did not take the receipt: {e}"),
            )
        };
        match printer {
            PrinterTarget::Tcp { host, port } => {
                use std::io::Write;
                use std::net::ToSocketAddrs;
                let addr = format!("{host}:{port}");
                let sock = addr
                    .to_socket_addrs()
                    .map_err(failed)?
                    .next()
                    .ok_or_else(|| {
                        ApiError::new(
                            ErrorCode::InvalidInput,
                            format!("'{addr}' is not a printer address"),
                        )
                    })?;
                let mut stream =
                    std::net::TcpStream::connect_timeout(&sock, std::time::Duration::from_secs(3))
                        .map_err(failed)?;
                stream
                    .set_write_timeout(Some(std::time::Duration::from_secs(5)))
                    .map_err(failed)?;
                stream.write_all(bytes).map_err(failed)?;
            }
            PrinterTarget::Device(path) => {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .create(false)
                    .open(path)
                    .map_err(failed)?;
                f.write_all(bytes).map_err(failed)?;
            }
            PrinterTarget::None => {}
        }
        Ok(())
    }

    /// Sends a receipt to the till's ESC/POS printer. With `open_drawer`, the drawer opens: for
    /// the person who made a cash sale, once, with its receipt; any other opening (a reprint
    /// with the drawer) needs `open_close_drawer`, and is recorded, audited and counted on the
    /// X and Z reports before the drawer opens. Without a printer set up: `not_found`, and the
    /// UI prints the preview.
    pub fn receipt_print(&self, input: ReceiptPrintInput) -> ApiResult<Ok> {
        let me = self.require(Permission::Sell)?;
        let target = self.printer_target()?;
        let doc = self.receipt_document(input.order_id.as_deref(), input.refund_id.as_deref())?;
        let open_drawer = input.open_drawer.unwrap_or(false);
        if open_drawer {
            self.store().write(|tx| {
                let kind = drawer::kind_for_receipt(
                    tx,
                    input.order_id.as_deref(),
                    input.refund_id.as_deref(),
                    &me.staff_id,
                )?;
                drawer::record(
                    tx,
                    drawer::Opening {
                        kind,
                        order_id: input.order_id.as_deref(),
                        refund_id: input.refund_id.as_deref(),
                        reason: None,
                        staff_id: &me.staff_id,
                    },
                )
                .map(|_| ())
            })?;
        }
        let bytes = kassa_documents::escpos::render(&doc, open_drawer)?;
        self.send_to_printer(&target, &bytes)?;
        self.store().write(|tx| {
            tx.audit(
                AuditInput::new("receipt.printed")
                    .by(&me.staff_id)
                    .on(
                        if input.refund_id.is_some() {
                            "refund"
                        } else {
                            "order"
                        },
                        input
                            .refund_id
                            .as_deref()
                            .or(input.order_id.as_deref())
                            .unwrap_or(""),
                    )
                    .after(json!({"number": doc.number})),
            )?;
            Ok(())
        })?;
        Ok(Ok { ok: true })
    }

    /// Opens the cash drawer with no sale ("no sale"): needs `open_close_drawer` and a reason;
    /// recorded, audited and counted on the X and Z reports.
    pub fn drawer_open(&self, input: DrawerOpenInput) -> ApiResult<Ok> {
        let me = self.require(Permission::OpenCloseDrawer)?;
        if input.reason.trim().is_empty() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "say why the drawer is opened without a sale",
            ));
        }
        let target = self.printer_target()?;
        self.store().write(|tx| {
            drawer::record(
                tx,
                drawer::Opening {
                    kind: drawer::OpenKind::NoSale,
                    order_id: None,
                    refund_id: None,
                    reason: Some(&input.reason),
                    staff_id: &me.staff_id,
                },
            )
            .map(|_| ())
        })?;
        self.send_to_printer(&target, &kassa_documents::escpos::drawer_pulse()?)?;
        Ok(Ok { ok: true })
    }

    /// The receipt emails of a sale and where each stands on the server, as this device last
    /// heard (`sell`, as for emailing one).
    pub fn receipt_emails(&self, input: ReceiptEmailsInput) -> ApiResult<EmailListOutput> {
        self.require(Permission::Sell)?;
        let list = email::list(self.store().conn(), Some(&input.order_id))?;
        Ok(EmailListOutput {
            emails: list.into_iter().map(crate::sync::email_dto).collect(),
        })
    }

    /// Queues the receipt for email; the server sends it once this device syncs.
    pub fn receipt_email(&self, input: ReceiptEmailInput) -> ApiResult<Ok> {
        let me = self.require(Permission::Sell)?;
        let doc = self.receipt_document(Some(&input.order_id), None)?;
        let html = kassa_documents::html::render(&doc)?;
        let subject = format!("{} {} — {}", doc.title(), doc.number, doc.store_name);
        // The server renders the attached PDF from the same document.
        let document = serde_json::to_value(&doc).map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("the receipt cannot be written as JSON: {e}"),
            )
        })?;
        self.store().write(|tx| {
            let id = email::queue(
                tx,
                "receipt",
                &input.to,
                &subject,
                &html,
                Some(&input.order_id),
                Some(email::Attachment::Receipt(&document)),
            )?;
            tx.audit(
                AuditInput::new("receipt.emailed")
                    .by(&me.staff_id)
                    .on("order", &input.order_id)
                    .after(json!({"email_id": id})),
            )?;
            Ok(())
        })?;
        Ok(Ok { ok: true })
    }
}
