//! Email over SMTP against a real SMTP server: aiosmtpd, started by each test on a free port
//! from the virtual environment `scripts/deps.sh` (`ensure_aiosmtpd`) makes. A test fails,
//! never skips, when it is missing.
//!
//! Devices push `email_outbox` inserts over HTTP; the server's sender writes them in the
//! store's receipt language with the receipt's PDF and sends them; what the SMTP server
//! keeps is read back from its folder.

#[path = "email/smtp.rs"]
mod smtp;
#[allow(dead_code)]
#[path = "http/support.rs"]
mod support;

use base64::Engine;
use kassa_documents::{Labels, Receipt, ReceiptKind, ReceiptLine, ReceiptTax, ReceiptTender};
use kassa_domain::money::Currency;
use kassa_server::{Mailer, ServerKey, Shared, SmtpConfig, SmtpTls};
use kassa_server_sqlite::SqliteStorage;
use kassa_server_storage::{EmailStatus, Storage};
use kassa_sync_protocol::wire::{EmailsResponse, PushedChange};
use kassa_sync_protocol::{Change, ChangeOp};
use reqwest::{Method, StatusCode};
use serde_json::json;
use smtp::Smtp;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Device, Server, uuid};

/// The HTTP API and the email sender on one storage, sharing metrics.
async fn start(smtp: &Smtp, retry_base: Duration) -> Server {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open_in_memory().unwrap());
    let shared = Shared::default();
    let clock = kassa_server::system_clock();
    kassa_server::spawn_email_sender(
        Arc::clone(&storage),
        clock.clone(),
        &smtp.settings(retry_base),
        &shared,
    )
    .unwrap();
    let app = kassa_server::router_sharing(
        Arc::clone(&storage),
        clock,
        ServerKey::from_bytes(support::TEST_SERVER_KEY),
        shared,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server {
        base: format!("http://{addr}/api/v1"),
        http: reqwest::Client::new(),
        storage,
    }
}

fn receipt(labels: &'static Labels) -> Receipt {
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
        currency: Currency::from_code("EUR").unwrap(),
        lines: vec![ReceiptLine {
            name: "Oat milk".into(),
            quantity: 2,
            unit_price_minor: 249,
            discount_minor: 0,
            total_minor: 498,
            tax_letter: 'A',
        }],
        subtotal_minor: 498,
        discount_minor: 0,
        total_minor: 498,
        rounding_minor: 0,
        taxes: vec![ReceiptTax {
            letter: 'A',
            rate_bp: 700,
            net_minor: 465,
            tax_minor: 33,
            gross_minor: 498,
        }],
        tenders: vec![ReceiptTender {
            label: labels.cash.into(),
            amount_minor: 500,
            detail: None,
        }],
        change_minor: 2,
        footer_lines: vec![],
        labels,
    }
}

fn pushed(
    d: &Device,
    seq: u64,
    entity: &str,
    entity_id: &str,
    payload: serde_json::Value,
) -> PushedChange {
    PushedChange {
        seq,
        change: Change {
            change_id: uuid(),
            entity: entity.into(),
            entity_id: entity_id.into(),
            op: if entity == "settings" {
                ChangeOp::Upsert
            } else {
                ChangeOp::Insert
            },
            payload,
            hlc: (1_800_000_000_000u64 << 16) | seq,
            device_id: d.id.clone(),
        },
    }
}

/// An `email_outbox` insert as a device's `receipt_email` queues it.
fn receipt_email(d: &Device, seq: u64, to: &str, doc: &Receipt) -> (String, PushedChange) {
    let id = uuid();
    let html = kassa_documents::html::render(doc).unwrap();
    let subject = format!("{} {} — {}", doc.title(), doc.number, doc.store_name);
    let change = pushed(
        d,
        seq,
        "email_outbox",
        &id,
        json!({"kind": "receipt", "to_address": to, "subject": subject, "body_html": html,
               "ref_id": uuid(), "status": "queued", "created_at": "2026-12-03T18:00:00.000Z",
               "receipt": serde_json::to_value(doc).unwrap()}),
    );
    (id, change)
}

fn language(d: &Device, seq: u64, value: &str) -> PushedChange {
    pushed(
        d,
        seq,
        "settings",
        &format!("{}:receipt.language", d.store_id),
        json!({"store_id": d.store_id, "key": "receipt.language", "value": value}),
    )
}

async fn emails(s: &Server, d: &Device) -> EmailsResponse {
    let (status, body) = s.call(Method::GET, "/emails", Some(&d.token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

/// A new store on a server sending through `smtp`, one English receipt to ann@example.com
/// pushed, and every email settled: the server, the till and the email's id.
async fn one_receipt_through(smtp: &Smtp, retry_base: Duration) -> (Server, Device, String) {
    let s = start(smtp, retry_base).await;
    let till = s.new_store().await;
    let (id, mail) = receipt_email(
        &till,
        1,
        "ann@example.com",
        &receipt(Labels::for_language("en")),
    );
    s.push(&till, &uuid(), &[mail]).await;
    settled(&s).await;
    (s, till, id)
}

/// Waits until every email of the server is sent or failed.
async fn settled(s: &Server) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let all = s.storage.emails(None, None).await.unwrap();
        if all
            .iter()
            .all(|e| matches!(e.status, EmailStatus::Sent | EmailStatus::Failed))
        {
            return;
        }
        assert!(Instant::now() < deadline, "emails not settled: {all:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A MIME part's body after the header line `marker`, base64-decoded.
fn attachment(message: &str, marker: &str) -> Vec<u8> {
    let start = message.find(marker).expect("the attachment's header");
    let rest = &message[start..];
    let body_start = rest.find("\r\n\r\n").expect("the attachment's body") + 4;
    let body: String = rest[body_start..]
        .lines()
        .take_while(|l| !l.starts_with("--") && !l.is_empty())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .expect("a base64 attachment")
}

#[tokio::test]
async fn a_receipt_goes_out_in_the_stores_language_with_its_pdf() {
    let smtp = Smtp::start(&[]);
    let s = start(&smtp, Duration::from_millis(50)).await;
    let berlin = s.new_store().await;
    let (de_id, de_mail) = receipt_email(
        &berlin,
        2,
        "kunde@example.com",
        &receipt(Labels::for_language("de")),
    );
    let (status, body) = s
        .push(&berlin, &uuid(), &[language(&berlin, 1, "de"), de_mail])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    settled(&s).await;

    let kept = smtp.messages();
    assert_eq!(kept.len(), 1, "one message");
    let m = &kept[0];
    assert!(m.contains("Subject: Beleg S1-01-000007"), "{m}");
    assert!(m.contains("To: kunde@example.com"), "{m}");
    assert!(
        m.contains("From: \"Kassa Receipts\" <receipts@example.com>"),
        "{m}"
    );
    assert!(m.contains("Content-Language: de"), "{m}");
    assert!(m.contains("multipart/alternative"), "{m}");
    assert!(m.contains("Content-Type: text/plain"), "{m}");
    assert!(m.contains("Content-Type: text/html"), "{m}");
    assert!(m.contains("Vielen Dank f"), "the German letter: {m}");
    assert!(m.contains("Corner shop"), "{m}");
    let pdf = attachment(
        m,
        "Content-Disposition: attachment; filename=\"S1-01-000007.pdf\"",
    );
    assert!(pdf.starts_with(b"%PDF"), "a PDF is attached");
    assert!(m.contains("Content-Type: application/pdf"), "{m}");

    // The device sees it sent; another store's device sees nothing of it.
    let seen = emails(&s, &berlin).await.emails;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].id, de_id);
    assert_eq!(seen[0].status, "sent");
    assert_eq!(seen[0].attempts, 1);
    assert!(seen[0].sent_at.is_some());

    // A store that never set a language gets English.
    let corner = s.new_store().await;
    assert!(emails(&s, &corner).await.emails.is_empty());
    let (_, en_mail) = receipt_email(
        &corner,
        1,
        "ann@example.com",
        &receipt(Labels::for_language("en")),
    );
    s.push(&corner, &uuid(), &[en_mail]).await;
    settled(&s).await;
    let kept = smtp.messages();
    assert_eq!(kept.len(), 2);
    assert!(
        kept[1].contains("Subject: Receipt S1-01-000007"),
        "{}",
        kept[1]
    );
    assert!(kept[1].contains("Content-Language: en"), "{}", kept[1]);
    assert!(
        kept[1].contains("Thank you for shopping at Corner shop"),
        "{}",
        kept[1]
    );
}

#[tokio::test]
async fn a_booking_confirmation_goes_out_with_its_pdf() {
    use kassa_documents::booking::{self, BookingConfirmation};
    let smtp = Smtp::start(&[]);
    let s = start(&smtp, Duration::from_millis(50)).await;
    let agency = s.new_store().await;
    let c = BookingConfirmation {
        language: kassa_documents::Language::De,
        store_name: "Reisebüro Sonne".into(),
        reference: "SONNE-01-B000042".into(),
        status: "bestätigt".into(),
        trip_name: "Gardasee mit dem Bus".into(),
        departs: "10.07.2027 06:00 Europe/Berlin".into(),
        returns: None,
        meeting_point: Some("ZOB, Steig 4".into()),
        customer: Some("Grace Hopper".into()),
        travellers: vec![(
            "Grace Hopper".into(),
            "Erwachsener".into(),
            "1000,00 EUR".into(),
        )],
        items: Vec::new(),
        total: "1000,00 EUR".into(),
        deposit: "300,00 EUR".into(),
        payments: Vec::new(),
        paid: "0,00 EUR".into(),
        balance: "1000,00 EUR".into(),
        balance_due_on: "10.06.2027".into(),
        hold_expires_at: None,
        policy: vec!["60 Tage oder mehr vor Abreise: kostenlos".into()],
    };
    let id = uuid();
    let mail = pushed(
        &agency,
        2,
        "email_outbox",
        &id,
        json!({"kind": "booking_confirmation", "to_address": "grace@example.com",
               "subject": format!("{} — {}", booking::title(&c), c.store_name),
               "body_html": booking::html(&c).unwrap(), "ref_id": uuid(), "status": "queued",
               "created_at": "2026-12-04T09:00:00.000Z", "receipt": null,
               "booking_confirmation": serde_json::to_value(&c).unwrap()}),
    );
    let (status, body) = s
        .push(&agency, &uuid(), &[language(&agency, 1, "de"), mail])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    settled(&s).await;

    let kept = smtp.messages();
    assert_eq!(kept.len(), 1, "one message");
    let m = &kept[0];
    assert!(m.contains("To: grace@example.com"), "{m}");
    assert!(m.contains("Content-Language: de"), "{m}");
    assert!(m.contains("Ihre Buchung bei"), "the German letter: {m}");
    assert!(m.contains("SONNE-01-B000042"), "{m}");
    let pdf = attachment(
        m,
        "Content-Disposition: attachment; filename=\"booking-SONNE-01-B000042.pdf\"",
    );
    assert!(
        pdf.starts_with(b"%PDF"),
        "the confirmation's PDF is attached"
    );
    let seen = emails(&s, &agency).await.emails;
    assert_eq!((seen.len(), seen[0].status.as_str()), (1, "sent"));

    // A confirmation that cannot be read fails for good, with the reason, and is not sent.
    let broken = pushed(
        &agency,
        3,
        "email_outbox",
        &uuid(),
        json!({"kind": "booking_confirmation", "to_address": "grace@example.com",
               "subject": "Buchung", "body_html": "<p>x</p>", "ref_id": uuid(),
               "status": "queued", "created_at": "2026-12-04T09:01:00.000Z",
               "booking_confirmation": {"reference": 7}}),
    );
    s.push(&agency, &uuid(), &[broken]).await;
    settled(&s).await;
    assert_eq!(smtp.messages().len(), 1, "nothing more was sent");
    let failed: Vec<_> = emails(&s, &agency)
        .await
        .emails
        .into_iter()
        .filter(|e| e.status == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .is_some_and(|r| r.contains("booking confirmation")),
        "{failed:?}"
    );
}

#[tokio::test]
async fn a_server_that_refuses_twice_gets_the_mail_once() {
    let smtp = Smtp::start(&["--refuse", "2"]);
    let (s, till, id) = one_receipt_through(&smtp, Duration::from_millis(50)).await;
    assert_eq!(smtp.messages().len(), 1, "sent exactly once");
    let e = &emails(&s, &till).await.emails[0];
    assert_eq!(
        (e.id.as_str(), e.status.as_str(), e.attempts),
        (id.as_str(), "sent", 3)
    );
    assert!(
        e.last_error.as_deref().is_some_and(|r| r.contains("451")),
        "the last refusal is kept: {e:?}"
    );
    let (_, metrics) = s.call(Method::GET, "/metrics", None, None).await;
    let text = metrics.as_str().unwrap_or_default().to_owned();
    assert!(text.contains("kassa_email_sent_total 1"), "{text}");
    assert!(
        text.contains(r#"kassa_email_send_failures_total{kind="transient"} 2"#),
        "{text}"
    );
    assert!(text.contains("kassa_email_queue_depth 0"), "{text}");
    assert!(
        text.contains(r#"kassa_email_messages{status="sent"} 1"#),
        "{text}"
    );
}

#[tokio::test]
async fn a_permanent_refusal_is_kept_with_its_reason() {
    let smtp = Smtp::start(&["--reject"]);
    let s = start(&smtp, Duration::from_millis(50)).await;
    let till = s.new_store().await;
    let (_, mail) = receipt_email(
        &till,
        1,
        "gone@example.com",
        &receipt(Labels::for_language("en")),
    );
    // An address that is none is refused without asking the SMTP server.
    let (_, mut bad) = receipt_email(
        &till,
        2,
        "x@example.com",
        &receipt(Labels::for_language("en")),
    );
    bad.change.payload["to_address"] = json!("not an address");
    s.push(&till, &uuid(), &[mail, bad]).await;
    settled(&s).await;
    assert!(smtp.messages().is_empty());
    let seen = emails(&s, &till).await.emails;
    assert_eq!(seen.len(), 2);
    assert_eq!((seen[0].status.as_str(), seen[0].attempts), ("failed", 1));
    assert!(
        seen[0]
            .last_error
            .as_deref()
            .is_some_and(|r| r.contains("550")),
        "{seen:?}"
    );
    assert_eq!(seen[1].status, "failed");
    assert!(
        seen[1]
            .last_error
            .as_deref()
            .is_some_and(|r| r.contains("not an email address")),
        "{seen:?}"
    );
    let (_, metrics) = s.call(Method::GET, "/metrics", None, None).await;
    let text = metrics.as_str().unwrap_or_default().to_owned();
    assert!(
        text.contains(r#"kassa_email_send_failures_total{kind="permanent"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"kassa_email_messages{status="failed"} 2"#),
        "{text}"
    );
    // Without a token, nobody reads a store's emails.
    let (status, _) = s.call(Method::GET, "/emails", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// A real device (a store in a temporary folder, the sync engine over HTTP) queues two receipt
/// emails; after the server has sent one and given up on the other, the device's next sync
/// tells it which went out and why the other did not.
#[tokio::test]
async fn a_device_hears_which_of_its_emails_went_out() {
    use kassa_store::foundation::device::{SetupParams, setup};
    use kassa_store::selling::email;
    use kassa_store::{KeySource, Store, SystemClock};
    use std::sync::Mutex;

    let smtp = Smtp::start(&[]);
    let s = start(&smtp, Duration::from_millis(50)).await;
    let url = s.base.trim_end_matches("/api/v1").to_string();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(
        dir.path(),
        Arc::new(SystemClock),
        KeySource::ExplicitKeys {
            device: [1; 32],
            store: [7; 32],
        },
    )
    .unwrap();
    setup(
        &mut store,
        SetupParams {
            store_name: "Corner Shop".into(),
            store_code: Some("CORN".into()),
            currency: "EUR".into(),
            device_name: Some("Till A".into()),
            admin_email: "ada@example.com".into(),
            admin_name: Some("Ada".into()),
            password: "correct horse battery staple".into(),
            demo: false,
        },
    )
    .unwrap();
    let doc = serde_json::to_value(receipt(Labels::for_language("en"))).unwrap();
    let (ok, gone) = store
        .write(|tx| {
            let ok = email::queue(
                tx,
                "receipt",
                "ann@example.com",
                "Receipt CORN-01-1 — Corner Shop",
                "<p>Tea 2.50</p>",
                None,
                Some(email::Attachment::Receipt(&doc)),
            )?;
            let gone = email::queue(
                tx,
                "receipt",
                "gone@example.com",
                "Receipt CORN-01-2 — Corner Shop",
                "<p>Tea 2.50</p>",
                None,
                Some(email::Attachment::Receipt(&doc)),
            )?;
            Ok((ok, gone))
        })
        .unwrap();
    let till = Mutex::new(store);
    let transport = kassa_sync_client::HttpTransport::new(&url).unwrap();
    let code = kassa_server::issue_pairing_code(&*s.storage, None, chrono::Utc::now())
        .await
        .unwrap();
    kassa_sync_client::pair(&till, &transport, &url, &code.code, None, None)
        .await
        .unwrap();
    kassa_sync_client::sync_once(&till, &transport)
        .await
        .unwrap();
    settled(&s).await;
    let kept = smtp.messages();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].contains("To: ann@example.com"), "{}", kept[0]);
    assert!(
        kept[0].contains("filename=\"CORN-01-000042.pdf\"")
            || kept[0].contains("filename=\"S1-01-000007.pdf\""),
        "the receipt's PDF: {}",
        kept[0]
    );

    // The next sync brings both outcomes (the first may have heard "sending" already).
    kassa_sync_client::sync_once(&till, &transport)
        .await
        .unwrap();
    let after = email::list(till.lock().unwrap().conn(), None).unwrap();
    let by_id = |id: &str| after.iter().find(|e| e.id == id).unwrap().clone();
    let sent = by_id(&ok);
    assert_eq!(
        (sent.status.as_str(), sent.attempts),
        ("sent", 1),
        "{sent:?}"
    );
    assert!(sent.sent_at.is_some());
    let failed = by_id(&gone);
    assert_eq!(failed.status, "failed", "{failed:?}");
    assert!(
        failed
            .last_error
            .as_deref()
            .is_some_and(|r| r.contains("550")),
        "{failed:?}"
    );
    assert!(
        email::waiting(till.lock().unwrap().conn())
            .unwrap()
            .is_empty()
    );
    // A later sync with nothing new changes nothing.
    kassa_sync_client::sync_once(&till, &transport)
        .await
        .unwrap();
    assert_eq!(
        email::list(till.lock().unwrap().conn(), None).unwrap(),
        after
    );
}

#[tokio::test]
async fn mail_goes_out_over_tls_from_the_first_byte_and_over_required_starttls() {
    let certs = tempfile::tempdir().unwrap();
    for mode in ["implicit", "starttls"] {
        let smtp = Smtp::start_tls(mode, certs.path());
        let (s, till, _) = one_receipt_through(&smtp, Duration::from_millis(50)).await;
        assert_eq!(smtp.messages().len(), 1, "{mode}");
        let e = &emails(&s, &till).await.emails[0];
        assert_eq!(e.status, "sent", "{mode}: {e:?}");
    }
}

#[tokio::test]
async fn nothing_is_sent_in_the_clear_or_to_a_certificate_not_trusted() {
    // STARTTLS required, and the SMTP server does not offer it.
    let mut plain = Smtp::start(&[]);
    plain.tls = SmtpTls::StartTls;
    // TLS from the first byte with a certificate the server was not told to trust.
    let certs = tempfile::tempdir().unwrap();
    let mut untrusted = Smtp::start_tls("implicit", certs.path());
    untrusted.ca_file = None;
    for smtp in [&plain, &untrusted] {
        let (s, till, _) = one_receipt_through(smtp, Duration::from_millis(20)).await;
        let e = &emails(&s, &till).await.emails[0];
        assert_eq!(e.status, "failed", "{e:?}");
        assert!(e.attempts > 1, "a connection that fails is retried: {e:?}");
        assert!(
            smtp.messages().is_empty(),
            "nothing reached the SMTP server"
        );
    }
}

#[tokio::test]
async fn plain_smtp_is_only_for_this_machine_and_the_tls_mode_follows_host_and_port() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = |host: &str, tls: SmtpTls, ca_file: Option<PathBuf>| SmtpConfig {
        host: host.into(),
        port: 587,
        username: Some("shop".into()),
        password: Some("secret".into()),
        from: "receipts@example.com".into(),
        tls,
        ca_file,
    };
    let refused = |c: SmtpConfig| match Mailer::new(&c) {
        Ok(_) => panic!("{c:?} was taken"),
        Err(e) => e.to_string(),
    };
    let e = refused(config("smtp.example.com", SmtpTls::Opportunistic, None));
    assert!(e.contains("opportunistic"), "{e}");
    assert!(Mailer::new(&config("127.0.0.1", SmtpTls::Opportunistic, None)).is_ok());
    assert!(Mailer::new(&config("smtp.example.com", SmtpTls::StartTls, None)).is_ok());
    let e = refused(config(
        "smtp.example.com",
        SmtpTls::Implicit,
        Some(PathBuf::from("/nonexistent/ca.pem")),
    ));
    assert!(e.contains("/nonexistent/ca.pem"), "{e}");
    assert_eq!(
        SmtpTls::default_for("smtp.example.com", 587),
        SmtpTls::StartTls
    );
    assert_eq!(
        SmtpTls::default_for("smtp.example.com", 465),
        SmtpTls::Implicit
    );
    assert_eq!(
        SmtpTls::default_for("localhost", 25),
        SmtpTls::Opportunistic
    );
    assert_eq!(SmtpTls::default_for("::1", 25), SmtpTls::Opportunistic);
    assert!(SmtpTls::parse("ssl").is_err());
    assert_eq!(SmtpTls::parse("STARTTLS").unwrap(), SmtpTls::StartTls);
}
