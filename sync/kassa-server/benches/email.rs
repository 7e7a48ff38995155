//! Email figures, not tests: how many emails per second the server's sender gets through to
//! a real SMTP server on loopback (aiosmtpd, the tests' `tests/email/smtp_server.py`, from the
//! virtual environment `scripts/deps.sh` makes with `ensure_aiosmtpd`).
//!
//! `cargo bench -p kassa-server --bench email`. Knobs (environment): `KASSA_BENCH_EMAILS`
//! (500) emails per run. Two runs: receipts with their PDF rendered and attached, and the
//! same letters without the PDF. Storage is SQLite in a temporary folder; the emails arrive
//! as one device's pushes, as in the product.

use kassa_documents::{Labels, Receipt, ReceiptKind, ReceiptLine, ReceiptTax, ReceiptTender};
use kassa_domain::money::Currency;
use kassa_server::{Mailer, SenderOptions, SmtpConfig, SmtpTls, system_clock};
use kassa_server_sqlite::SqliteStorage;
use kassa_server_storage::{NewPairingCode, PairInput, PushInput, Storage};
use kassa_sync_protocol::wire::{PushedChange, StoreRecord};
use kassa_sync_protocol::{Change, ChangeOp};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

const NOW: &str = "2026-12-03T18:00:00.000Z";

fn receipt() -> Receipt {
    let labels = Labels::for_language("de");
    Receipt {
        kind: ReceiptKind::Sale,
        store_name: "Corner shop".into(),
        header_lines: vec!["Hauptstraße 1, Berlin".into()],
        number: "S1-01-000007".into(),
        refers_to: None,
        date_time: "03.12.2026 18:00".into(),
        staff_name: "Cleo".into(),
        device_code: "01".into(),
        customer: None,
        currency: Currency::from_code("EUR").expect("EUR"),
        lines: (1..=5)
            .map(|i| ReceiptLine {
                name: format!("Item {i}"),
                quantity: 1,
                unit_price_minor: 199,
                discount_minor: 0,
                total_minor: 199,
                tax_letter: 'A',
            })
            .collect(),
        subtotal_minor: 995,
        discount_minor: 0,
        total_minor: 995,
        rounding_minor: 0,
        taxes: vec![ReceiptTax {
            letter: 'A',
            rate_bp: 1900,
            net_minor: 836,
            tax_minor: 159,
            gross_minor: 995,
        }],
        tenders: vec![ReceiptTender {
            label: labels.cash.into(),
            amount_minor: 1000,
            detail: None,
        }],
        change_minor: 5,
        footer_lines: vec![],
        labels,
    }
}

async fn run(emails: u64, with_pdf: bool, smtp_port: u16) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let storage: Arc<dyn Storage> =
        Arc::new(SqliteStorage::open(dir.path().join("server.db")).expect("the database"));
    let store_id = uuid::Uuid::now_v7().to_string();
    let device_id = uuid::Uuid::now_v7().to_string();
    storage
        .add_pairing_code(NewPairingCode {
            code_hash: "a".repeat(64),
            store_id: None,
            created_at: NOW.into(),
            expires_at: "2099-01-01T00:00:00.000Z".into(),
        })
        .await
        .expect("a code");
    storage
        .pair(PairInput {
            code_hash: "a".repeat(64),
            device_id: device_id.clone(),
            device_name: "Till".into(),
            store: Some(StoreRecord {
                id: store_id.clone(),
                code: "S1".into(),
                name: "Corner shop".into(),
                currency: "EUR".into(),
            }),
            token_hash: "b".repeat(64),
            sealed_store_key: Some(vec![1; 48]),
            now: NOW.into(),
        })
        .await
        .expect("pairing");
    let doc = receipt();
    let html = kassa_documents::html::render(&doc).expect("html");
    let document = serde_json::to_value(&doc).expect("json");
    let mut seq = 0u64;
    while seq < emails {
        let batch: Vec<PushedChange> = (seq + 1..=(seq + 500).min(emails))
            .map(|s| PushedChange {
                seq: s,
                change: Change {
                    change_id: uuid::Uuid::now_v7().to_string(),
                    entity: "email_outbox".into(),
                    entity_id: uuid::Uuid::now_v7().to_string(),
                    op: ChangeOp::Insert,
                    payload: json!({"kind": "receipt", "to_address": format!("customer{s}@example.com"),
                        "subject": "Beleg S1-01-000007 — Corner shop", "body_html": html,
                        "ref_id": null, "status": "queued", "created_at": NOW,
                        "receipt": if with_pdf { document.clone() } else { serde_json::Value::Null }}),
                    hlc: (1_800_000_000_000u64 << 16) | s,
                    device_id: device_id.clone(),
                },
            })
            .collect();
        seq += batch.len() as u64;
        storage
            .push(PushInput {
                store_id: store_id.clone(),
                device_id: device_id.clone(),
                batch_id: format!("b{seq}"),
                batch_hash: "c".repeat(64),
                changes: batch
                    .into_iter()
                    .map(|c| c.into_raw().expect("a payload"))
                    .collect(),
                audit: vec![],
                now: NOW.into(),
            })
            .await
            .expect("push");
    }
    let mailer = Mailer::new(&SmtpConfig {
        host: "127.0.0.1".into(),
        port: smtp_port,
        username: None,
        password: None,
        from: "receipts@example.com".into(),
        tls: SmtpTls::Opportunistic,
        ca_file: None,
    })
    .expect("the mailer");
    let opts = SenderOptions {
        batch: 50,
        ..SenderOptions::default()
    };
    let metrics = kassa_server::Metrics::new();
    let clock = system_clock();
    let started = Instant::now();
    loop {
        let taken = kassa_server::email::send_round(&*storage, &mailer, &clock, &opts, &metrics)
            .await
            .expect("a round");
        if taken == 0 {
            break;
        }
    }
    let took = started.elapsed();
    let counts = storage.email_counts().await.expect("counts");
    assert_eq!(counts.sent, emails, "every email sent: {counts:?}");
    println!(
        "  {emails} receipts {}: {:.2} s, {:.0} emails/s",
        if with_pdf {
            "with their PDF"
        } else {
            "without a PDF"
        },
        took.as_secs_f64(),
        emails as f64 / took.as_secs_f64()
    );
}

fn main() {
    let emails: u64 = std::env::var("KASSA_BENCH_EMAILS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let venv = std::env::var_os("KASSA_SMTP_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/kassa/smtp-venv")
        });
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let folder = tempfile::tempdir().expect("a temporary folder");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/email/smtp_server.py");
    let mut smtp = Command::new(venv.join("bin/python"))
        .arg(script)
        .arg(port.to_string())
        .arg(folder.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("aiosmtpd starts (source scripts/deps.sh; ensure_aiosmtpd)");
    let mut line = String::new();
    BufReader::new(smtp.stdout.take().expect("its output"))
        .read_line(&mut line)
        .expect("its first line");
    assert_eq!(line.trim(), "ready");
    println!("email: the sender against aiosmtpd on 127.0.0.1:{port}");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        run(emails, true, port).await;
        run(emails, false, port).await;
    });
    let _ = smtp.kill();
    let _ = smtp.wait();
}
