//! Revoking a device rotates the store key: real devices (stores in temporary folders, the
//! sync engine over HTTP) and the real server on a loopback port, on SQLite and on a fresh
//! PostgreSQL database.
//!
//! Three tills share a store; till C is revoked (a stolen laptop). The server makes the store
//! key's next epoch; A and B learn of it at their next sync, fetch it and seal the staff
//! secrets again under it. What is sealed from then on opens on A, B and a till that joins
//! later, never with C's keys, and C is refused by the server.

#[allow(dead_code)]
#[path = "../../kassa-server-postgres/tests/postgres/db.rs"]
mod db;
#[allow(dead_code)]
#[path = "http/support.rs"]
mod support;

use kassa_domain::ErrorCode;
use kassa_domain::role::Role;
use kassa_server::{issue_pairing_code, open_storage};
use kassa_server_sqlite::SqliteStorage;
use kassa_server_storage::Storage;
use kassa_store::foundation::device::{SetupOutcome, SetupParams, setup};
use kassa_store::foundation::ids::new_id;
use kassa_store::foundation::outbox;
use kassa_store::identity::auth::{SecondFactor, sign_in};
use kassa_store::identity::session::Surface;
use kassa_store::identity::staff::{self, NewCredentials, NewStaff, Staff};
use kassa_store::selling::voucher;
use kassa_store::{KeySource, Store, StoreKey, SystemClock};
use kassa_sync_client::{HttpTransport, Transport, join, pair, revoke, sync_once};
use std::path::Path;
use std::sync::{Arc, Mutex};

const STORE_KEY: [u8; 32] = [7; 32];
const PASSWORD: &str = "correct horse battery staple";

fn open(dir: &Path, device: u8) -> Store {
    Store::open(
        dir,
        Arc::new(SystemClock),
        KeySource::ExplicitKeys {
            device: [device; 32],
            store: STORE_KEY,
        },
    )
    .expect("the till's store opens")
}

/// A till: its store in a temporary folder and its way to the server.
struct Till {
    store: Mutex<Store>,
    transport: HttpTransport,
    id: String,
    device_key: u8,
    dir: tempfile::TempDir,
}

impl Till {
    fn key(&self) -> StoreKey {
        self.store
            .lock()
            .unwrap()
            .store_key()
            .expect("the store key")
            .clone_key()
    }

    fn totp_blob(&self, staff_id: &str) -> Vec<u8> {
        self.store
            .lock()
            .unwrap()
            .conn()
            .query_row(
                "SELECT totp_secret_enc FROM staff WHERE id = ?1",
                [staff_id],
                |r| r.get(0),
            )
            .expect("the staff member is here")
    }

    fn sign_in(&self, email: &str, secret: &[u8]) -> kassa_store::Result<()> {
        let mut s = self.store.lock().unwrap();
        let unix = u64::try_from(s.clock().now().timestamp()).unwrap();
        let code = kassa_domain::totp::code_at(secret, unix).unwrap();
        sign_in(
            &mut s,
            email,
            PASSWORD,
            SecondFactor::Totp(&code),
            Surface::Cli,
        )
        .map(|_| ())
    }

    fn pending(&self) -> u64 {
        outbox::summary(self.store.lock().unwrap().conn())
            .unwrap()
            .pending
    }
}

async fn first_till(url: &str, storage: &dyn Storage) -> (Till, SetupOutcome) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path(), 1);
    let out = setup(
        &mut store,
        SetupParams {
            store_name: "Corner Shop".into(),
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
    let till = Till {
        id: out.device_id.clone(),
        store: Mutex::new(store),
        transport: HttpTransport::new(url).unwrap(),
        device_key: 1,
        dir,
    };
    let code = issue_pairing_code(storage, None, chrono::Utc::now())
        .await
        .unwrap();
    pair(&till.store, &till.transport, url, &code.code, None, None)
        .await
        .expect("A pairs");
    sync_once(&till.store, &till.transport)
        .await
        .expect("A pushes its setup");
    (till, out)
}

async fn joining_till(url: &str, storage: &dyn Storage, store_id: &str, key: u8) -> Till {
    let dir = tempfile::tempdir().unwrap();
    let store = Mutex::new(open(dir.path(), key));
    let transport = HttpTransport::new(url).unwrap();
    let code = issue_pairing_code(storage, Some(store_id), chrono::Utc::now())
        .await
        .unwrap();
    let joined = join(&store, &transport, url, &code.code, Some("Till"))
        .await
        .expect("the till joins");
    Till {
        store,
        transport,
        id: joined.device_id,
        device_key: key,
        dir,
    }
}

/// A new cashier made on `till`, with the authenticator secret they enrolled.
fn new_cashier(till: &Till, store_id: &str, email: &str) -> (String, Vec<u8>) {
    let creds = NewCredentials::prepare(PASSWORD).unwrap();
    let mut s = till.store.lock().unwrap();
    let key = s.store_key().unwrap().clone_key();
    let id = s
        .write(|tx| {
            staff::insert_active(
                tx,
                &key,
                &NewStaff {
                    store_id,
                    email,
                    display_name: "Cass",
                    role: Role::Cashier,
                },
                &creds,
                None,
            )
        })
        .expect("the cashier is made");
    (id, creds.totp_secret.to_vec())
}

fn issue_voucher(till: &Till, store_id: &str, admin: &str, amount: i64) -> String {
    let mut s = till.store.lock().unwrap();
    let key = s.store_key().unwrap().clone_key();
    s.write(|tx| voucher::issue(tx, &key, store_id, amount, None, None, admin))
        .expect("a voucher is issued")
        .code
}

fn stored_code(till: &Till, code: &str) -> String {
    let s = till.store.lock().unwrap();
    let key = s.store_key().unwrap().clone_key();
    voucher::stored_code_key(s.conn(), &key, code).unwrap()
}

fn redeem(till: &Till, code: &str, amount: i64, staff_id: &str) -> i64 {
    let keyed = stored_code(till, code);
    let mut s = till.store.lock().unwrap();
    s.write(|tx| voucher::redeem(tx, &keyed, amount, &new_id(), staff_id))
        .expect("the voucher redeems");
    let key = s.store_key().unwrap().clone_key();
    voucher::find(s.conn(), &key, code).unwrap().balance_minor
}

async fn a_revoked_till_opens_nothing_sealed_after_it(storage: Arc<dyn Storage>) {
    let server = support::start(Arc::clone(&storage)).await;
    let url = server.base.trim_end_matches("/api/v1").to_string();
    let (a, made) = first_till(&url, &*storage).await;
    let store_id = made.store_id.clone();
    // Before the rotation: a voucher hashed under the first epoch.
    let old_voucher = issue_voucher(&a, &store_id, &made.admin_id, 2000);
    assert!(stored_code(&a, &old_voucher).starts_with("vh1:"));
    sync_once(&a.store, &a.transport).await.unwrap();
    let b = joining_till(&url, &*storage, &store_id, 2).await;
    let c = joining_till(&url, &*storage, &store_id, 3).await;
    assert_eq!(
        (a.key().epochs(), b.key().epochs(), c.key().epochs()),
        (vec![1], vec![1], vec![1])
    );

    // B revokes C (a stolen laptop): the server makes the store key's epoch 2.
    revoke(&b.store, &b.transport, &c.id, None).await.unwrap();
    let audit = storage.audit(&store_id).await.unwrap();
    let rotated: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "store_key.rotated")
        .collect();
    assert_eq!(rotated.len(), 1, "{audit:?}");
    assert_eq!(rotated[0].detail["epoch"], 2);
    assert_eq!(rotated[0].device_id.as_deref(), Some(c.id.as_str()));

    // A syncs: it learns of epoch 2, keeps it and seals the staff secrets again under it,
    // and the new blobs go out in the same sync.
    assert_eq!(a.pending(), 0);
    sync_once(&a.store, &a.transport).await.unwrap();
    assert_eq!(a.key().epochs(), vec![1, 2]);
    let admin_blob = a.totp_blob(&made.admin_id);
    assert_eq!(StoreKey::sealed_epoch(&admin_blob), 2);
    assert!(
        c.key()
            .open(&admin_blob, &Staff::totp_context(&made.admin_id))
            .is_err(),
        "C's key does not open the secret sealed again"
    );
    assert_eq!(a.pending(), 0, "the sealed-again secrets were pushed");

    // After the rotation: a cashier made on A and a voucher hashed under epoch 2.
    let (cashier, secret) = new_cashier(&a, &store_id, "cass@example.com");
    let cashier_blob = a.totp_blob(&cashier);
    assert_eq!(StoreKey::sealed_epoch(&cashier_blob), 2);
    let new_voucher = issue_voucher(&a, &store_id, &made.admin_id, 3000);
    assert!(stored_code(&a, &new_voucher).starts_with("vh2:"));
    sync_once(&a.store, &a.transport).await.unwrap();

    // B syncs: it fetches epoch 2 too, and the cashier signs in there offline.
    sync_once(&b.store, &b.transport).await.unwrap();
    assert_eq!(b.key().epochs(), vec![1, 2]);
    assert_eq!(b.totp_blob(&cashier), cashier_blob);
    assert_eq!(b.totp_blob(&made.admin_id), admin_blob);
    b.sign_in("cass@example.com", &secret)
        .expect("the cashier made after the rotation signs in on B");

    // C: its keys (epoch 1 only) open nothing new, and the server refuses it everything.
    let c_key = c.key();
    assert_eq!(c_key.epochs(), vec![1]);
    let err = c_key
        .open(&cashier_blob, &Staff::totp_context(&cashier))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::StoreKeyMismatch);
    let err = sync_once(&c.store, &c.transport).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::DeviceRevoked, "{err}");
    let token = kassa_store::foundation::sync_state::credentials(&c.store.lock().unwrap())
        .unwrap()
        .token;
    let err = c.transport.store_keys(&token).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::DeviceRevoked, "{err}");
    assert_eq!(c.key().epochs(), vec![1]);

    // Vouchers: the one hashed under epoch 1 still redeems, and so does the new one.
    assert_eq!(redeem(&b, &old_voucher, 500, &made.admin_id), 1500);
    assert_eq!(redeem(&b, &new_voucher, 1000, &made.admin_id), 2000);
    assert!(stored_code(&b, &new_voucher).starts_with("vh2:"));

    // A till that joins after the rotation receives every epoch.
    let d = joining_till(&url, &*storage, &store_id, 4).await;
    assert_eq!(d.key().epochs(), vec![1, 2]);
    assert_eq!(
        d.key()
            .open(&cashier_blob, &Staff::totp_context(&cashier))
            .unwrap(),
        secret
    );

    // A restarts: it still holds both epochs and opens old and new secrets alike.
    let Till {
        store,
        dir,
        device_key,
        ..
    } = a;
    drop(store);
    let a = open(dir.path(), device_key);
    let key = a.store_key().unwrap();
    assert_eq!(key.epochs(), vec![1, 2]);
    assert_eq!(
        key.open(&cashier_blob, &Staff::totp_context(&cashier))
            .unwrap(),
        secret
    );
    let found = voucher::find(a.conn(), key, &old_voucher).unwrap();
    assert_eq!(
        found.balance_minor, 2000,
        "B's redemption has not reached A yet"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_till_rotates_the_store_key_on_sqlite() {
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open_in_memory().unwrap());
    a_revoked_till_opens_nothing_sealed_after_it(storage).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_till_rotates_the_store_key_on_postgres() {
    let db = db::TestDb::new().await;
    let storage = open_storage(Some(&db.url), Path::new("/nonexistent"))
        .await
        .unwrap();
    a_revoked_till_opens_nothing_sealed_after_it(storage).await;
}
