//! Staff invitations emailed by the server: a real device (its store in a temporary folder,
//! the sync engine over HTTP), the real server on a loopback port over an SQLite file, and a
//! real SMTP server (aiosmtpd, from the virtual environment `scripts/deps.sh`
//! `ensure_aiosmtpd` makes; a missing one fails the test).
//!
//! The code travels only in `POST /api/v1/emails/invitation`: it is never in a synced table
//! or the outbox of the device, and not in the server's database once the email is sent.

#[path = "email/smtp.rs"]
mod smtp;
#[allow(dead_code)]
#[path = "http/support.rs"]
mod support;

use kassa_domain::role::Role;
use kassa_domain::settings::SettingValue;
use kassa_server::{
    EmailSettings, SenderOptions, ServerKey, Shared, SmtpConfig, SmtpTls, issue_pairing_code,
};
use kassa_server_sqlite::SqliteStorage;
use kassa_server_storage::{EmailStatus, Storage};
use kassa_store::foundation::device::{SetupOutcome, SetupParams, setup};
use kassa_store::foundation::outbox;
use kassa_store::foundation::settings;
use kassa_store::identity::invitation;
use kassa_store::selling::{email, invitation_email};
use kassa_store::{KeySource, Store, SystemClock};
use kassa_sync_client::{HttpTransport, pair, sync_once};
use reqwest::{Method, StatusCode};
use smtp::Smtp;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery staple";

struct Rig {
    smtp: Smtp,
    storage: Arc<dyn Storage>,
    url: String,
    server_dir: tempfile::TempDir,
}

async fn start() -> Rig {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let smtp = Smtp::start(&[]);
    let server_dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> =
        Arc::new(SqliteStorage::open(server_dir.path().join("server.db")).unwrap());
    let shared = Shared::default();
    let clock = kassa_server::system_clock();
    let settings = EmailSettings {
        smtp: SmtpConfig {
            host: "127.0.0.1".into(),
            port: smtp.port,
            username: None,
            password: None,
            from: "Kassa <kassa@example.com>".into(),
            tls: SmtpTls::Opportunistic,
            ca_file: None,
        },
        sender: SenderOptions {
            batch: 20,
            concurrency: 2,
            poll: Duration::from_millis(50),
            retry_base: Duration::from_millis(50),
            retry_max: Duration::from_secs(1),
            max_attempts: 5,
            lease: Duration::from_secs(60),
        },
    };
    kassa_server::spawn_email_sender(Arc::clone(&storage), clock.clone(), &settings, &shared)
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
    Rig {
        smtp,
        storage,
        url: format!("http://{addr}"),
        server_dir,
    }
}

struct Till {
    store: Mutex<Store>,
    transport: HttpTransport,
    dir: tempfile::TempDir,
    setup: SetupOutcome,
}

async fn till(rig: &Rig, store_name: &str, language: Option<&str>) -> Till {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(
        dir.path(),
        Arc::new(SystemClock),
        KeySource::ExplicitKeys {
            device: [3; 32],
            store: [7; 32],
        },
    )
    .unwrap();
    let out = setup(
        &mut store,
        SetupParams {
            store_name: store_name.into(),
            store_code: Some("CORN".into()),
            currency: "EUR".into(),
            device_name: Some("Till A".into()),
            admin_email: "ada@example.com".into(),
            admin_name: Some("Ada".into()),
            password: PASSWORD.into(),
            demo: false,
        },
    )
    .expect("setup");
    if let Some(lang) = language {
        store
            .write(|tx| {
                settings::set(
                    tx,
                    &out.store_id,
                    "receipt.language",
                    SettingValue::Text(lang.into()),
                    &out.admin_id,
                )
            })
            .unwrap();
    }
    let t = Till {
        store: Mutex::new(store),
        transport: HttpTransport::new(&rig.url).unwrap(),
        dir,
        setup: out,
    };
    let code = issue_pairing_code(&*rig.storage, None, chrono::Utc::now())
        .await
        .unwrap();
    pair(&t.store, &t.transport, &rig.url, &code.code, None, None)
        .await
        .expect("pairs");
    sync_once(&t.store, &t.transport).await.expect("first sync");
    t
}

impl Till {
    /// Invites `email` and queues the emailed code, as `staff_invite` with `email_code`.
    fn invite(&self, email: &str, name: Option<&str>) -> (String, String, String) {
        let mut s = self.store.lock().unwrap();
        let key = s.device_key().unwrap().clone_key();
        let admin = self.setup.admin_id.clone();
        s.write(|tx| {
            let (inv, code) = invitation::invite(tx, email, name, Role::Cashier, &admin)?;
            let id = invitation_email::queue(tx, &key, &inv, &code)?;
            Ok((inv.id, code, id))
        })
        .unwrap()
    }

    fn waiting_here(&self) -> u64 {
        invitation_email::waiting(self.store.lock().unwrap().conn()).unwrap()
    }
}

/// Waits until `f` holds, or fails after 15 seconds.
async fn until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn server_status(rig: &Rig, id: &str) -> Option<EmailStatus> {
    rig.storage
        .emails(None, None)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.id == id)
        .map(|e| e.status)
}

async fn until_status(rig: &Rig, id: &str, want: EmailStatus) {
    let start = Instant::now();
    while server_status(rig, id).await != Some(want) {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "timed out waiting for email {id} to be {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The bytes of a database and its write-ahead log.
fn file_bytes(dir: &Path, name: &str) -> Vec<u8> {
    let mut bytes = std::fs::read(dir.join(name)).unwrap();
    bytes.extend(std::fs::read(dir.join(format!("{name}-wal"))).unwrap_or_default());
    bytes
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The code as written and without its dashes.
fn forms(code: &str) -> [String; 2] {
    [code.to_owned(), code.replace('-', "")]
}

/// The message's text with quoted-printable soft line breaks and `=3D` undone.
fn decoded(message: &str) -> String {
    message
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_is_emailed_once_with_its_code_and_the_code_rests_nowhere() {
    let rig = start().await;
    let a = till(&rig, "Corner Shop", None).await;
    let (_, code, email_id) = a.invite("nia@example.com", Some("Nia Novak"));
    // A second invitation withdrawn before its email reached the server is never sent.
    let (revoked_inv, revoked_code, revoked_email) = a.invite("ola@example.com", None);
    {
        let admin = a.setup.admin_id.clone();
        a.store
            .lock()
            .unwrap()
            .write(|tx| invitation::revoke(tx, &revoked_inv, &admin))
            .unwrap();
    }
    assert_eq!(a.waiting_here(), 2);

    // The device's synced tables and outbox never hold the code, before or after a sync.
    {
        let s = a.store.lock().unwrap();
        let changes = outbox::pending_changes(s.conn(), 10_000).unwrap();
        let text =
            serde_json::to_string(&changes.iter().map(|c| &c.payload).collect::<Vec<_>>()).unwrap();
        for c in [&code, &revoked_code] {
            for form in forms(c) {
                assert!(!text.contains(&form), "the outbox holds a code");
            }
        }
        assert!(
            changes
                .iter()
                .any(|c| c.entity == "email_outbox" && c.entity_id == email_id),
            "the email's row (without the code) syncs"
        );
    }

    let report = sync_once(&a.store, &a.transport).await.expect("sync");
    assert_eq!(report.invitation_emails, 2);
    assert_eq!(
        a.waiting_here(),
        0,
        "the local rows left once the server kept them"
    );
    until_status(&rig, &email_id, EmailStatus::Sent).await;
    until("one letter", || rig.smtp.messages().len() == 1).await;
    let letter = decoded(&rig.smtp.messages()[0]);
    assert!(letter.contains("To: nia@example.com"), "{letter}");
    assert!(
        letter.contains("Subject: Your invitation to Corner Shop"),
        "{letter}"
    );
    assert!(letter.contains("Content-Language: en"), "{letter}");
    assert!(
        letter.contains(&code),
        "the letter carries the code: {letter}"
    );
    assert!(letter.contains("Hello Nia Novak,"), "{letter}");
    assert!(letter.contains("as Cashier"), "{letter}");
    assert!(
        letter.contains("I have an invitation or a new-authenticator code"),
        "{letter}"
    );
    assert!(!letter.contains(&revoked_code));
    // The withdrawn one is kept failed with its reason, never sent.
    assert_eq!(
        server_status(&rig, &revoked_email).await,
        Some(EmailStatus::Failed)
    );

    // Syncing again sends nothing twice, and the device hears where both stand.
    let again = sync_once(&a.store, &a.transport).await.expect("sync again");
    assert_eq!(again.invitation_emails, 0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rig.smtp.messages().len(), 1, "no second letter");
    {
        let s = a.store.lock().unwrap();
        let (list, _) = email::recent(s.conn(), email::EmailFilter::All, 50).unwrap();
        let sent = list.iter().find(|e| e.id == email_id).expect("listed");
        assert_eq!(
            (sent.kind.as_str(), sent.status.as_str()),
            ("staff_invitation", "sent")
        );
        let failed = list.iter().find(|e| e.id == revoked_email).expect("listed");
        assert_eq!(failed.status, "failed");
        assert!(
            failed
                .last_error
                .as_deref()
                .unwrap_or_default()
                .contains("withdrawn"),
            "{failed:?}"
        );
    }

    // Neither database holds either code: not the device's file (its synced tables, outbox
    // and the sealed local row gone), not the server's once the email was sent.
    let Till { store, dir, .. } = a;
    drop(store);
    let device = file_bytes(dir.path(), "kassa.db");
    assert!(holds(&device, "nia@example.com"), "the device file is read");
    let server = file_bytes(rig.server_dir.path(), "server.db");
    assert!(holds(&server, "nia@example.com"), "the server file is read");
    for c in [&code, &revoked_code] {
        for form in forms(c) {
            assert!(!holds(&device, &form), "the device file holds a code");
            assert!(!holds(&server, &form), "the server file holds a code");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_german_store_writes_the_invitation_in_german() {
    let rig = start().await;
    let a = till(&rig, "Eckladen", Some("de")).await;
    let (_, code, email_id) = a.invite("jörg@example.com", Some("Jörg"));
    sync_once(&a.store, &a.transport).await.expect("sync");
    until_status(&rig, &email_id, EmailStatus::Sent).await;
    until("one letter", || rig.smtp.messages().len() == 1).await;
    let letter = rig.smtp.messages()[0].clone();
    assert!(letter.contains("Content-Language: de"), "{letter}");
    // The subject is encoded (it has an umlaut-free store name, but lettre may still encode).
    let plain = decoded(&letter);
    assert!(
        plain.contains("Ihre Einladung zu Eckladen") || letter.contains("=?utf-8?"),
        "{letter}"
    );
    assert!(plain.contains(&code), "{letter}");
    assert!(plain.contains("Kassierer/in"), "{plain}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_at_the_endpoint_is_a_typed_400_and_changes_nothing() {
    let rig = start().await;
    let a = till(&rig, "Corner Shop", None).await;
    let token = kassa_store::foundation::sync_state::credentials(&a.store.lock().unwrap())
        .unwrap()
        .token;
    let http = reqwest::Client::new();
    let good = serde_json::json!({
        "id": kassa_store::foundation::ids::new_id(),
        "invitation_id": kassa_store::foundation::ids::new_id(),
        "kind": "invite", "to_address": "nia@example.com", "subject": "Your invitation",
        "display_name": "Nia", "role": "cashier", "expires_at": "2030-01-01T00:00:00.000Z",
        "code": "ABCD-EFGH-JKMN",
    });
    let with = |k: &str, v: serde_json::Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = good.clone();
        b.as_object_mut().unwrap().remove(k);
        b
    };
    let cases = [
        with("to_address", "not-an-email".into()),
        with("id", "42".into()),
        with("role", "owner".into()),
        with("kind", "party".into()),
        with("expires_at", "tomorrow".into()),
        with("code", "x".repeat(65).into()),
        with("code", "<script>".into()),
        with("display_name", "n".repeat(201).into()),
        with("withdrawn", "changed my mind".into()),
        with("extra", true.into()),
        without("code"),
        without("to_address"),
        without("subject"),
    ];
    for body in cases {
        let r = http
            .post(format!("{}/api/v1/emails/invitation", rig.url))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        let answer: serde_json::Value = r.json().await.unwrap();
        assert_eq!(answer["error"]["code"], "invalid_input", "{body}: {answer}");
    }
    // Without a device token: refused.
    let r = http
        .request(
            Method::POST,
            format!("{}/api/v1/emails/invitation", rig.url),
        )
        .json(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(rig.storage.emails(None, None).await.unwrap().is_empty());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(rig.smtp.messages().is_empty());

    // The same request twice is one email.
    for _ in 0..2 {
        let r = http
            .post(format!("{}/api/v1/emails/invitation", rig.url))
            .bearer_auth(&token)
            .json(&good)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    until("one letter", || rig.smtp.messages().len() == 1).await;
    assert_eq!(rig.storage.emails(None, None).await.unwrap().len(), 1);
}
