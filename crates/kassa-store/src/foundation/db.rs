//! Opening the SQLite file: pragmas, migrations and the forward-compatibility check.

use crate::foundation::clock::Clock;
use crate::foundation::keys::{DeviceKey, KeySource, StoreKey, StoreKeySource};
use crate::foundation::write::WriteTx;
use crate::{SqlResult, sql_err};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kassa_domain::{Error, ErrorCode, Result};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use zeroize::Zeroize;

/// Every migration, in order: (version, file name, SQL).
const MIGRATIONS: &[(u32, &str, &str)] = include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The schema version this build writes: the highest migration's number (numbers may skip one
/// that another branch holds; see `build.rs`).
pub const SCHEMA_VERSION: u32 = last_version(MIGRATIONS);

const fn last_version(list: &[(u32, &str, &str)]) -> u32 {
    match list.last() {
        Some((v, _, _)) => *v,
        None => 0,
    }
}

/// File name of the database inside a data folder.
pub const DB_FILE: &str = "kassa.db";

/// The local store of one device.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    clock: Arc<dyn Clock>,
    keys: KeySource,
    key: OnceLock<DeviceKey>,
    store_keys: StoreKeySource,
    store_key: OnceLock<StoreKey>,
    /// Called after a local write that appended to the outbox (the sync's wake signal).
    outbox_listener: Option<OutboxListener>,
}

/// What a store calls after a local write appended changes to the outbox.
pub type OutboxListener = Arc<dyn Fn() + Send + Sync>;

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the store in data folder `dir` and brings its schema up to date.
    ///
    /// Refuses a database written by a newer Kassa with `schema_too_new`, and changes nothing then.
    ///
    /// A store set up before store keys gets its store key here, once: the key is made and
    /// kept (keyring or `KASSA_STORE_KEY`) and every staff TOTP secret sealed under the
    /// device key is sealed again under it, in one transaction.
    pub fn open(dir: &Path, clock: Arc<dyn Clock>, keys: KeySource) -> Result<Store> {
        let store_keys = keys.store_source()?;
        create_private_dir(dir)?;
        let path = dir.join(DB_FILE);
        create_private_file(&path)?;
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| {
            Error::new(
                ErrorCode::Storage,
                format!("cannot open {}: {e}", path.display()),
            )
        })?;
        configure(&conn)?;
        migrate(&conn)?;
        keep_files_private(dir)?;
        crate::foundation::card_guard::install(&conn)?;
        let mut store = Store {
            conn,
            path,
            clock,
            keys,
            key: OnceLock::new(),
            store_keys,
            store_key: OnceLock::new(),
            outbox_listener: None,
        };
        store.adopt_store_key()?;
        store.key_voucher_codes()?;
        Ok(store)
    }

    /// Keeps the voucher codes still in the clear (written before codes were keyed) as their
    /// keyed hashes; nothing to do (and no key needed) when there are none.
    fn key_voucher_codes(&mut self) -> Result<()> {
        let plain: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM vouchers WHERE code NOT GLOB 'vh[0-9]*:*')",
                [],
                |r| r.get(0),
            )
            .db()?;
        if !plain {
            return Ok(());
        }
        let key = self.store_key()?.clone_key();
        let n = self.write(|tx| crate::selling::voucher::key_stored_codes(tx, &key))?;
        tracing::info!(vouchers = n, "voucher codes now kept as keyed hashes");
        Ok(())
    }

    /// Makes the store key of a device set up before store keys, and seals the staff
    /// secrets again under it (those this device's key opens: a secret enrolled on another
    /// device before store keys never opened here and is left as it was).
    fn adopt_store_key(&mut self) -> Result<()> {
        let row: Option<(String, Option<Vec<u8>>)> = self
            .conn
            .query_row("SELECT store_id, store_key_check FROM device", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .db()?;
        let Some((store_id, None)) = row else {
            return Ok(());
        };
        let device_key = self.device_key()?.clone_key();
        let store_key = self.store_keys.create(&store_id)?;
        let check = store_key.make_check(&store_id)?;
        let sealer = store_key.clone_key();
        self.write(|tx| {
            let sealed: Vec<(String, Vec<u8>)> = {
                let mut st = tx
                    .prepare("SELECT id, totp_secret_enc FROM staff WHERE totp_secret_enc IS NOT NULL")
                    .db()?;
                st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .db()?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .db()?
            };
            for (id, blob) in sealed {
                let context = crate::identity::staff::Staff::totp_context(&id);
                let Ok(mut plain) = device_key.open(&blob, &context) else {
                    tracing::warn!(staff = %id, "a TOTP secret sealed on another device stays as it was");
                    continue;
                };
                let resealed = sealer.seal(&plain, &context);
                plain.zeroize();
                let resealed = resealed?;
                tx.execute(
                    "UPDATE staff SET totp_secret_enc = ?1 WHERE id = ?2",
                    rusqlite::params![resealed, id],
                )
                .db()?;
                crate::identity::staff::touch_fields(
                    tx,
                    &id,
                    serde_json::json!({"totp_secret_enc": STANDARD.encode(&resealed)}),
                )?;
            }
            tx.execute(
                "UPDATE device SET store_key_check = ?1",
                rusqlite::params![check],
            )
            .db()?;
            Ok(())
        })?;
        let _ = self.store_key.set(store_key);
        Ok(())
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A read connection. Writes go through [`Store::write`].
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The connection for writes that are not local changes (applying remote ones).
    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Watches every row this connection writes (rusqlite's update hook; rowid tables
    /// only), for tests that check each write to a synced table records its change.
    pub fn watch_writes<F>(&mut self, hook: Option<F>) -> Result<()>
    where
        F: FnMut(rusqlite::hooks::Action, &str, &str, i64) + Send + 'static,
    {
        self.conn.update_hook(hook).db()
    }

    /// The store's clock.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The clock, shared.
    pub fn clock_arc(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// Replaces the clock every later write reads the time from (the demo store books its
    /// history on past dates this way); returns the clock it replaced.
    pub fn set_clock(&mut self, clock: Arc<dyn Clock>) -> Arc<dyn Clock> {
        std::mem::replace(&mut self.clock, clock)
    }

    /// Where the device key comes from.
    pub fn key_source(&self) -> &KeySource {
        &self.keys
    }

    /// The device key, loaded from the keyring (or `KASSA_DEVICE_KEY`) on first use and
    /// checked against the store.
    pub fn device_key(&self) -> Result<&DeviceKey> {
        if let Some(k) = self.key.get() {
            return Ok(k);
        }
        let (device_id, check): (String, Vec<u8>) = self
            .conn
            .query_row("SELECT id, key_check FROM device", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Error::new(
                    ErrorCode::NotSetUp,
                    "this data folder has no store yet; run setup first",
                ),
                other => sql_err(other),
            })?;
        let key = self.keys.load(&device_id)?;
        key.verify_check(&check, &device_id)?;
        Ok(self.key.get_or_init(|| key))
    }

    /// Installs the key made at setup, so the same process need not read it back.
    pub(crate) fn install_key(&self, key: DeviceKey) {
        let _ = self.key.set(key);
    }

    /// Where the store key is kept (the OS keyring, or `KASSA_STORE_KEY`). A joining device
    /// keeps the key pairing handed it there ([`crate::install_store_key`]) before
    /// [`crate::foundation::device::join`].
    pub fn store_key_source(&self) -> &StoreKeySource {
        &self.store_keys
    }

    /// The store key, loaded from the keyring (or `KASSA_STORE_KEY`) on first use and
    /// checked against this device's record of it (a wrong key is `store_key_mismatch`),
    /// with every later epoch this device received (`store_key_epochs`).
    pub fn store_key(&self) -> Result<&StoreKey> {
        if let Some(k) = self.store_key.get() {
            return Ok(k);
        }
        let (store_id, check): (String, Option<Vec<u8>>) = self
            .conn
            .query_row("SELECT store_id, store_key_check FROM device", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Error::new(
                    ErrorCode::NotSetUp,
                    "this data folder has no store yet; run setup first",
                ),
                other => sql_err(other),
            })?;
        let check = check.ok_or_else(|| {
            Error::new(
                ErrorCode::NotSetUp,
                "this device has no store key yet; pair it with its store again",
            )
        })?;
        let mut key = self.store_keys.load(&store_id)?;
        key.verify_check(&check, &store_id)?;
        let has_later: bool = self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM store_key_epochs)", [], |r| {
                r.get(0)
            })
            .db()?;
        if has_later {
            let device_key = self.device_key()?;
            crate::foundation::key_epochs::load_into(&self.conn, device_key, &store_id, &mut key)?;
        }
        Ok(self.store_key.get_or_init(|| key))
    }

    /// Replaces the store key held in memory (after later epochs were kept).
    pub(crate) fn replace_store_key(&mut self, key: StoreKey) {
        self.store_key = OnceLock::new();
        let _ = self.store_key.set(key);
    }

    /// Installs the store key made at setup or checked at join.
    pub(crate) fn install_store_key(&self, key: StoreKey) {
        let _ = self.store_key.set(key);
    }

    /// Runs `f` in one IMMEDIATE transaction; commits if it returns `Ok`, else rolls back.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut WriteTx<'_>) -> Result<T>) -> Result<T> {
        let now = self.clock.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .db()?;
        let mut wtx = WriteTx::begin(tx, now)?;
        let out = f(&mut wtx)?;
        if wtx.commit_tracked()?
            && let Some(listener) = &self.outbox_listener
        {
            listener();
        }
        Ok(out)
    }

    /// Sets what is called after each local write that appends to the outbox (once it has
    /// committed); it must be cheap and must not touch the store (e.g. notify a condvar).
    pub fn set_outbox_listener(&mut self, listener: OutboxListener) {
        self.outbox_listener = Some(listener);
    }

    /// Whether a store and this device exist in the folder.
    pub fn is_set_up(&self) -> Result<bool> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM device", [], |r| r.get(0))
            .db()?;
        Ok(n > 0)
    }
}

fn storage_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::new(
        ErrorCode::Storage,
        format!("cannot {what} {}: {e}", path.display()),
    )
}

/// Creates the data folder readable by its owner alone (0700 on Unix); its parents get the
/// usual permissions. A folder that exists keeps its permissions.
fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| storage_error("create the data folder", dir, e))?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    match builder.create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(storage_error("create the data folder", dir, e)),
    }
}

/// Creates the empty database file readable by its owner alone (0600 on Unix) before SQLite
/// opens it; SQLite gives its `-wal` and `-shm` files the database file's permissions.
fn create_private_file(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(storage_error("create", path, e)),
    }
}

/// Takes the group's and others' access away from the database and its `-wal`/`-shm` files
/// (a store made by an older Kassa); never adds any.
fn keep_files_private(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for name in [
            DB_FILE.to_string(),
            format!("{DB_FILE}-wal"),
            format!("{DB_FILE}-shm"),
            format!("{DB_FILE}-journal"),
        ] {
            let path = dir.join(name);
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode & !0o077))
                    .map_err(|e| storage_error("restrict access to", &path, e))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn configure(conn: &Connection) -> Result<()> {
    // WAL for readers beside the writer; FULL so a committed sale survives power loss.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .db()?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::new(
            ErrorCode::Storage,
            format!("the database refused WAL mode (got {mode})"),
        ));
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;",
    )
    .db()?;
    // A scan at the till reads a few index pages of a catalog that may hold 100,000 items;
    // 64 MiB of page cache keeps them in memory instead of re-reading them from the OS.
    conn.execute_batch("PRAGMA cache_size = -65536;").db()?;
    // A statement that may need undoing in part (triggers, constraints) keeps the pages it
    // changes in a statement journal; in memory, not in a temporary file written per row.
    conn.execute_batch("PRAGMA temp_store = MEMORY;").db()?;
    // A sale or an import runs a few dozen distinct statements per item; with rusqlite's
    // default of 16 cached statements they would evict each other and be re-parsed each time.
    conn.set_prepared_statement_cache_capacity(256);
    // Without the query planner's stability guarantee, SQLite may plan a statement for the
    // values bound to it and so compiles a cached statement again each time it is bound
    // (measured: the search, the barcode reads and the import's checks, on every call).
    // Our queries' plans do not depend on the values; one plan per statement is the point
    // of caching them.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .db()?;
    Ok(())
}

fn migrate(conn: &Connection) -> Result<()> {
    let current: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .db()?;
    if current > SCHEMA_VERSION {
        return Err(Error::new(
            ErrorCode::SchemaTooNew,
            format!(
                "this data folder was written by a newer Kassa (schema {current}; this Kassa knows up to {SCHEMA_VERSION}); update Kassa to open it"
            ),
        ));
    }
    for (version, name, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > current) {
        let tx = conn.unchecked_transaction().db()?;
        tx.execute_batch(sql)
            .map_err(|e| Error::new(ErrorCode::Storage, format!("migration {name} failed: {e}")))?;
        tx.pragma_update(None, "user_version", version).db()?;
        tx.commit().db()?;
        tracing::info!(migration = name, "applied migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundation::clock::SystemClock;

    fn open(dir: &Path) -> Result<Store> {
        Store::open(
            dir,
            Arc::new(SystemClock),
            KeySource::ExplicitKeys {
                device: [7; 32],
                store: [77; 32],
            },
        )
    }

    #[test]
    fn a_new_store_is_durable_wal_with_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path()).unwrap();
        let c = store.conn();
        let mode: String = c
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        let fk: i64 = c
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        let version: u32 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            (mode.as_str(), sync, fk, version),
            ("wal", 2, 1, SCHEMA_VERSION)
        );
    }

    #[test]
    fn a_database_from_a_newer_kassa_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        drop(open(dir.path()).unwrap());
        let c = Connection::open(dir.path().join(DB_FILE)).unwrap();
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(c);
        let err = open(dir.path()).unwrap_err();
        assert_eq!(err.code, ErrorCode::SchemaTooNew);
        assert!(err.message.contains("newer Kassa"), "{}", err.message);
        let c = Connection::open(dir.path().join(DB_FILE)).unwrap();
        let v: u32 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION + 1);
    }

    #[test]
    fn a_cached_statement_is_compiled_once_whatever_is_bound_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path()).unwrap();
        let sql =
            "SELECT code FROM product_barcodes WHERE product_id = ?1 ORDER BY created_at, code";
        for i in 0..10 {
            let mut st = store.conn().prepare_cached(sql).unwrap();
            let mut rows = st.query([format!("product-{i}")]).unwrap();
            while rows.next().unwrap().is_some() {}
        }
        let st = store.conn().prepare_cached(sql).unwrap();
        assert_eq!(st.get_status(rusqlite::StatementStatus::RePrepare), 0);
    }

    #[test]
    fn reopening_applies_nothing_twice() {
        let dir = tempfile::tempdir().unwrap();
        drop(open(dir.path()).unwrap());
        assert!(open(dir.path()).is_ok());
    }
}
