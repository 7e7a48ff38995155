//! One run of the simulation: a store's devices, the server, the seeded workload and its
//! faults, then a quiet period and the checks.

use crate::check;
use crate::net::{Faults, Net, NetStats, SERVER_URL, SimTransport};
use chrono::{DateTime, Duration, TimeZone, Utc};
use kassa_domain::booking::{FeeTable, Share, Traveller, TravellerPrices, TravellerType};
use kassa_domain::catalog::TaxRate;
use kassa_domain::role::Role;
use kassa_domain::selling::pricing::Discount;
use kassa_domain::selling::tender::TenderKind;
use kassa_domain::settings::SettingValue;
use kassa_server::{ServerKey, issue_pairing_code, router};
use kassa_server_sqlite::SqliteStorage;
use kassa_server_storage::Storage;
use kassa_store::bookings::trips::{self, DepartureData, TripData};
use kassa_store::bookings::{self, BookingRequest, BookingTender, allotments, amend};
use kassa_store::catalog::stock::{self, Receipt};
use kassa_store::catalog::{self, AuditMode, ProductData};
use kassa_store::customers::{self, CustomerData};
use kassa_store::foundation::device::{SetupParams, setup};
use kassa_store::foundation::{ids, settings};
use kassa_store::identity::auth::{SecondFactor, sign_in};
use kassa_store::identity::session::Surface;
use kassa_store::identity::staff::{self, NewCredentials, NewStaff, insert_active};
use kassa_store::selling::catalog_port;
use kassa_store::selling::checkout::{CheckoutRequest, SaleLine, TenderRequest, checkout};
use kassa_store::selling::order;
use kassa_store::selling::refund::{RefundLine, RefundRequest, refund};
use kassa_store::{FixedClock, KeySource, Store, WriteTx};
use kassa_sync_client::{SyncReport, join, pair, sync_once};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

/// The store key every device of the simulated store holds.
const STORE_KEY: [u8; 32] = [0x5a; 32];
/// The server's key, the same across restarts.
const SERVER_KEY: [u8; 32] = [0x3c; 32];
const ADMIN_EMAIL: &str = "admin@example.com";
const PASSWORD: &str = "correct horse battery staple";
/// How far ahead of everyone the far-future device's clock runs.
const FAR_FUTURE_DAYS: i64 = 3;

/// What a run does.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Devices of the store (the first sets it up, the others join).
    pub devices: usize,
    /// Workload steps before the quiet period.
    pub steps: usize,
    /// Faults on: a bad network, server restarts and outages, devices killed and
    /// restarted, and one device's clock far in the future.
    pub faults: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            devices: 6,
            steps: 300,
            faults: true,
        }
    }
}

/// What a run did, counted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub sales: u64,
    pub refunds: u64,
    pub voids: u64,
    pub refused_actions: u64,
    pub syncs: u64,
    pub failed_syncs: u64,
    pub server_restarts: u64,
    pub server_outages: u64,
    pub device_restarts: u64,
    pub sign_ins: u64,
    pub bookings: u64,
    pub cancellations: u64,
    /// Allotment requests and returns the server answered.
    pub allotments: u64,
    pub conflicts: u64,
    pub net: NetStats,
}

/// A run that held every rule: its trace (one line per step, the same for the same seed)
/// and its counts.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub trace: Vec<String>,
    pub summary: Summary,
}

/// A run that broke a rule, or could not go on.
#[derive(Debug, Clone)]
pub struct Failure {
    pub seed: u64,
    pub message: String,
    /// The trace up to the failure.
    pub trace: Vec<String>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "seed {}: {}", self.seed, self.message)?;
        writeln!(
            f,
            "replay it with: cargo run -p kassa-sync-sim --bin kassa-sim -- --seed {}",
            self.seed
        )?;
        writeln!(f, "last steps:")?;
        for line in &self.trace[self.trace.len().saturating_sub(40)..] {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

/// Runs the simulation for `seed`: the same seed makes the same ids, the same workload and
/// the same faults, so a failure replays exactly.
pub fn run(seed: u64, cfg: &Config) -> Result<Outcome, Failure> {
    let fail = |message: String, trace: Vec<String>| Failure {
        seed,
        message,
        trace,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(format!("the runtime: {e}"), Vec::new()))?;
    ids::seed_thread(seed);
    let result = rt.block_on(async {
        let mut sim = Sim::new(seed, *cfg).map_err(|m| fail(m, Vec::new()))?;
        match sim.go().await {
            Ok(()) => Ok(Outcome {
                trace: std::mem::take(&mut sim.trace),
                summary: sim.summary(),
            }),
            Err(message) => Err(fail(message, std::mem::take(&mut sim.trace))),
        }
    });
    ids::unseed_thread();
    result
}

pub(crate) struct Device {
    pub index: usize,
    pub dir: PathBuf,
    clock: Arc<FixedClock>,
    /// How far this device's clock is off the true time.
    pub skew: Duration,
    key: [u8; 32],
    pub store: Mutex<Store>,
}

impl Device {
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn open(dir: PathBuf, clock: Arc<FixedClock>, key: [u8; 32]) -> Result<Store, String> {
        Store::open(
            &dir,
            clock,
            KeySource::ExplicitKeys {
                device: key,
                store: STORE_KEY,
            },
        )
        .map_err(|e| format!("opening {}: {e}", dir.display()))
    }
}

/// A sale as the till answered it.
pub(crate) struct Sale {
    pub order_id: String,
    pub number: String,
    /// The device that sold it.
    pub device: usize,
}

/// A device an admin revoked (a stolen laptop): it syncs no more, and what it had not sent
/// by then never reaches the others.
struct Revoked {
    index: usize,
    device_id: String,
    /// Its sales still in its outbox when it was found revoked: the only ones that may be lost.
    unsent_orders: Vec<String>,
}

struct Sim {
    seed: u64,
    cfg: Config,
    rng: StdRng,
    root: tempfile::TempDir,
    now: Arc<Mutex<DateTime<Utc>>>,
    net: Net,
    storage: Option<Arc<dyn Storage>>,
    devices: Vec<Device>,
    store_id: String,
    admin_id: String,
    admin_totp: Vec<u8>,
    products: Vec<String>,
    customers: Vec<String>,
    staff: Vec<String>,
    sales: Vec<Sale>,
    /// Departures of the store's trip (a small coach, so offline devices oversell it).
    departures: Vec<String>,
    /// Bookings made, by id.
    bookings: Vec<String>,
    /// TOTP steps the admin signed in with on devices with a sound clock.
    steps_used: Vec<u64>,
    /// Failed sign-ins each device recorded: every device must hold each one after sync.
    failed_sign_ins: Vec<u64>,
    /// The device revoked, once one is.
    revoked: Option<Revoked>,
    /// The device the admin tries to revoke, once chosen: a revocation whose answer was lost
    /// or held back may still reach the server, so a later try names the same device.
    revoke_target: Option<usize>,
    trace: Vec<String>,
    stats: Summary,
}

fn err(what: &str) -> impl Fn(kassa_domain::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

impl Sim {
    fn new(seed: u64, cfg: Config) -> Result<Sim, String> {
        let mut root = tempfile::tempdir().map_err(|e| e.to_string())?;
        if std::env::var_os("KASSA_SIM_KEEP").is_some() {
            // The devices' and the server's folders stay for a look with sqlite3.
            root.disable_cleanup(true);
            eprintln!("seed {seed}: folders kept in {}", root.path().display());
        }
        Ok(Sim {
            seed,
            cfg,
            rng: StdRng::seed_from_u64(seed),
            root,
            now: Arc::new(Mutex::new(
                Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0)
                    .single()
                    .ok_or("start time")?,
            )),
            net: Net::new(seed),
            storage: None,
            devices: Vec::new(),
            store_id: String::new(),
            admin_id: String::new(),
            admin_totp: Vec::new(),
            products: Vec::new(),
            customers: Vec::new(),
            staff: Vec::new(),
            sales: Vec::new(),
            departures: Vec::new(),
            bookings: Vec::new(),
            steps_used: Vec::new(),
            failed_sign_ins: Vec::new(),
            revoked: None,
            revoke_target: None,
            trace: Vec::new(),
            stats: Summary::default(),
        })
    }

    fn summary(&self) -> Summary {
        Summary {
            net: self.net.stats(),
            ..self.stats
        }
    }

    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn log(&mut self, line: String) {
        self.trace.push(format!("{:>4} {line}", self.trace.len()));
    }

    /// Starts the server on its database file (again, after a restart).
    fn start_server(&mut self) -> Result<(), String> {
        let storage: Arc<dyn Storage> = Arc::new(
            SqliteStorage::open(self.root.path().join("server").join("server.db"))
                .map_err(|e| format!("the server's database: {e}"))?,
        );
        let now = Arc::clone(&self.now);
        let clock: kassa_server::Clock =
            Arc::new(move || *now.lock().unwrap_or_else(|p| p.into_inner()));
        self.net.set_server(Some(router(
            Arc::clone(&storage),
            clock,
            ServerKey::from_bytes(SERVER_KEY),
        )));
        self.storage = Some(storage);
        Ok(())
    }

    fn stop_server(&mut self) {
        self.net.set_server(None);
        self.storage = None;
    }

    async fn pairing_code(&self, store: Option<&str>) -> Result<String, String> {
        let storage = self.storage.as_ref().ok_or("the server is down")?;
        issue_pairing_code(storage.as_ref(), store, self.now())
            .await
            .map(|c| c.code)
            .map_err(|e| format!("pairing code: {e}"))
    }

    /// Sets every device's clock from the true time and its skew.
    fn tick(&mut self, seconds: i64) {
        let now = {
            let mut t = self.now.lock().unwrap_or_else(|p| p.into_inner());
            *t += Duration::seconds(seconds);
            *t
        };
        for d in &self.devices {
            d.clock.set(now + d.skew);
        }
    }

    fn transport(&self) -> SimTransport {
        self.net.transport()
    }

    fn new_device_dir(&self, index: usize) -> PathBuf {
        self.root.path().join(format!("device-{index}"))
    }

    async fn set_up(&mut self) -> Result<(), String> {
        self.start_server()?;
        let far = if self.cfg.faults && self.cfg.devices > 2 {
            Some(self.rng.gen_range(1..self.cfg.devices))
        } else {
            None
        };
        // The first device sets up the store, its catalog and customers.
        let dir = self.new_device_dir(0);
        let clock = Arc::new(FixedClock::new(self.now()));
        let mut store = Device::open(dir.clone(), Arc::clone(&clock), [1; 32])?;
        let out = setup(
            &mut store,
            SetupParams {
                store_name: "Sim Shop".into(),
                store_code: Some("SIM".into()),
                currency: "EUR".into(),
                device_name: Some("Till 1".into()),
                admin_email: ADMIN_EMAIL.into(),
                admin_name: Some("Ada Admin".into()),
                password: PASSWORD.into(),
                demo: false,
            },
        )
        .map_err(err("setup"))?;
        let (store_id, admin) = (out.store_id.clone(), out.admin_id.clone());
        let (products, customers, departures) = store
            .write(|tx| {
                let vat = catalog::create_tax_class(
                    tx,
                    &store_id,
                    &admin,
                    "Standard",
                    TaxRate {
                        basis_points: 1900,
                        inclusive: true,
                    },
                )?;
                let mut products = Vec::new();
                for (i, price) in [250, 499, 899, 1299, 1950, 75].into_iter().enumerate() {
                    let mut d = ProductData::new(&format!("P-{i}"), &format!("Item {i}"), price);
                    d.tax_class_id = Some(vat.clone());
                    d.cost_minor = Some(price / 2);
                    let p = catalog::create(tx, &store_id, &admin, &d, AuditMode::PerProduct)?;
                    stock::receive(
                        tx,
                        &store_id,
                        &admin,
                        &Receipt {
                            product_id: p.id.clone(),
                            qty: 40,
                            location_id: None,
                            batch_code: None,
                            expires_on: None,
                            unit_cost_minor: None,
                            note: None,
                        },
                    )?;
                    products.push(p.id);
                }
                let mut customers = Vec::new();
                for name in ["Alan Turing", "Grace Hopper", "Edsger Dijkstra"] {
                    let c = customers::create(
                        tx,
                        &store_id,
                        &admin,
                        &CustomerData {
                            name: name.into(),
                            ..Default::default()
                        },
                        AuditMode::PerProduct,
                    )?;
                    customers.push(c.id);
                }
                let trip = trips::create_trip(
                    tx,
                    &store_id,
                    &admin,
                    &TripData {
                        code: "COACH".into(),
                        name: "Lake Garda by coach".into(),
                        prices: TravellerPrices {
                            adult_minor: 40_000,
                            child_minor: Some(25_000),
                            senior_minor: None,
                        },
                        deposit: Share::Percent(2500),
                        balance_due_days: 14,
                        cancellation_policy: FeeTable::parse("30:0,7:50%,0:100%")?,
                        hold_minutes: 60,
                        documents_required: false,
                    },
                )?;
                let start = tx.now();
                let mut departures = Vec::new();
                // The third leaves tomorrow: past its release moment from the start, its
                // seats are granted for minutes at a time and go back at the next sync.
                for (days, seats) in [(10, 6), (40, 4), (1, 5)] {
                    let dep = trips::add_departure(
                        tx,
                        &store_id,
                        &admin,
                        &DepartureData {
                            trip_id: trip.id.clone(),
                            departs_at: start + Duration::days(days),
                            returns_at: Some(start + Duration::days(days + 5)),
                            time_zone: "Europe/Berlin".into(),
                            meeting_point: None,
                            seats: Some(seats),
                            share_with: None,
                        },
                    )?;
                    departures.push(dep.id);
                }
                Ok((products, customers, departures))
            })
            .map_err(err("the first catalog"))?;
        self.store_id = store_id;
        self.admin_id = admin;
        self.admin_totp = out.totp_secret.clone();
        self.products = products;
        self.customers = customers;
        self.departures = departures;
        self.devices.push(Device {
            index: 0,
            dir,
            clock,
            skew: Duration::zero(),
            key: [1; 32],
            store: Mutex::new(store),
        });
        let code = self.pairing_code(None).await?;
        pair(
            &self.devices[0].store,
            &self.transport(),
            SERVER_URL,
            &code,
            None,
            Some(&self.admin_id),
        )
        .await
        .map_err(err("pairing the first device"))?;
        sync_once(&self.devices[0].store, &self.transport())
            .await
            .map_err(err("the first device's first sync"))?;
        self.log(format!(
            "seed {}: d0 set up the store and paired",
            self.seed
        ));
        for index in 1..self.cfg.devices {
            let skew = if far == Some(index) {
                Duration::days(FAR_FUTURE_DAYS)
            } else if self.cfg.faults {
                Duration::seconds(self.rng.gen_range(-150..=150))
            } else {
                Duration::zero()
            };
            self.join_device(index, skew).await?;
        }
        Ok(())
    }

    /// A new device joins the store from an empty folder and downloads it.
    async fn join_device(&mut self, index: usize, skew: Duration) -> Result<(), String> {
        let dir = self.new_device_dir(index);
        let clock = Arc::new(FixedClock::new(self.now() + skew));
        let key = [index as u8 + 1; 32];
        let store = Device::open(dir.clone(), Arc::clone(&clock), key)?;
        let device = Device {
            index,
            dir,
            clock,
            skew,
            key,
            store: Mutex::new(store),
        };
        let code = self.pairing_code(Some(&self.store_id.clone())).await?;
        let joined = join(
            &device.store,
            &self.transport(),
            SERVER_URL,
            &code,
            Some(&format!("Till {}", index + 1)),
        )
        .await
        .map_err(err(&format!("device {index} joining")))?;
        self.log(format!(
            "d{index} joined as {} (clock {:+}s), pulled {}",
            joined.device_code,
            skew.num_seconds(),
            joined.pulled
        ));
        self.devices.push(device);
        Ok(())
    }

    async fn go(&mut self) -> Result<(), String> {
        self.set_up().await?;
        if self.cfg.faults {
            self.net.set_faults(Faults::harsh());
        }
        for _ in 0..self.cfg.steps {
            let seconds = self.rng.gen_range(1..=40);
            self.tick(seconds);
            self.step().await?;
        }
        self.quiet().await?;
        let joiner = self.devices.len();
        self.join_device(joiner, Duration::zero()).await?;
        // The newcomer's own joining reaches the others.
        self.quiet().await?;
        self.stats.conflicts = self.check()?;
        Ok(())
    }

    /// The rules, over the devices still in the store. A revoked device's sales and failed
    /// sign-ins count where they reached the others; those it had sent before it was revoked
    /// must have.
    fn check(&self) -> Result<u64, String> {
        let active: Vec<&Device> = self
            .devices
            .iter()
            .filter(|d| self.revoked.as_ref().is_none_or(|r| r.index != d.index))
            .collect();
        let mut sales: Vec<&Sale> = self.sales.iter().collect();
        let mut failures: u64 = self
            .failed_sign_ins
            .iter()
            .enumerate()
            .filter(|(d, _)| self.revoked.as_ref().is_none_or(|r| r.index != *d))
            .map(|(_, n)| n)
            .sum();
        if let Some(r) = &self.revoked {
            let first = active.first().ok_or("no device is left")?;
            let s = first.lock();
            let arrived: Vec<String> = s
                .conn()
                .prepare("SELECT id FROM orders WHERE device_id = ?1")
                .and_then(|mut st| {
                    st.query_map([&r.device_id], |row| row.get(0))?
                        .collect::<rusqlite::Result<Vec<String>>>()
                })
                .map_err(|e| format!("the revoked device's orders: {e}"))?;
            for sale in self.sales.iter().filter(|x| x.device == r.index) {
                if !r.unsent_orders.contains(&sale.order_id) && !arrived.contains(&sale.order_id) {
                    return Err(format!(
                        "d{} sent {} before it was revoked, yet it never reached the others",
                        r.index, sale.number
                    ));
                }
            }
            sales.retain(|x| x.device != r.index || arrived.contains(&x.order_id));
            failures += s
                .conn()
                .query_row(
                    "SELECT count(*) FROM sign_in_events WHERE kind = 'failure' AND device_id = ?1",
                    [&r.device_id],
                    |row| row.get::<_, i64>(0),
                )
                .map_err(|e| format!("the revoked device's sign-ins: {e}"))
                .map(|n| u64::try_from(n).unwrap_or(0))?;
        }
        // The store key moved on when a device was revoked, and every device left holds the
        // same newest epoch (the secrets it sealed are sealed again under it).
        let mut epochs = Vec::new();
        for d in &active {
            let e: i64 = d
                .lock()
                .conn()
                .query_row(
                    "SELECT coalesce(max(epoch), 1) FROM store_key_epochs",
                    [],
                    |r| r.get(0),
                )
                .map_err(|e| format!("d{}: store key epochs: {e}", d.index))?;
            epochs.push(e);
        }
        if epochs.windows(2).any(|w| w[0] != w[1]) {
            return Err(format!(
                "the devices hold other store key epochs: {epochs:?}"
            ));
        }
        if self.revoked.is_some() && epochs.first().is_some_and(|e| *e < 2) {
            return Err(format!(
                "a device was revoked and the store key did not move on: {epochs:?}"
            ));
        }
        check::all(&active, &sales, failures)
    }

    /// One step of the workload, chosen by the seed.
    async fn step(&mut self) -> Result<(), String> {
        let mut d = self.rng.gen_range(0..self.devices.len());
        if self.revoked.as_ref().is_some_and(|r| r.index == d) {
            d = 0;
        }
        let roll = self.rng.gen_range(0..1000);
        match roll {
            0..250 => self.sale(d),
            250..320 => self.refund(d, false),
            320..350 => self.refund(d, true),
            350..420 => self.edit_customer(d),
            420..435 => self.new_customer(d),
            435..505 => self.change_price(d),
            505..520 => self.new_product(d),
            520..565 => self.count_stock(d),
            565..595 => self.receive_stock(d),
            595..612 => self.change_staff(d),
            612..632 => self.change_setting(d),
            632..660 => self.sign_in(d),
            660..760 => self.wrong_sign_in(d),
            760..780 => self.book(d).await,
            780..788 => self.request_seats(d).await,
            788..791 => self.return_seats(d).await,
            791..797 => self.pay_booking(d),
            797..802 => self.amend_booking(d),
            802..808 => self.cancel_booking(d),
            _ if !self.cfg.faults || roll < 960 => self.sync(d).await,
            960..972 => self.restart_server(),
            972..980 => self.outage(),
            980..984 => self.revoke_device().await,
            _ => self.restart_device(d),
        }
    }

    fn outcome<T>(&mut self, d: usize, what: &str, r: kassa_domain::Result<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.stats.refused_actions += 1;
                self.log(format!("d{d} {what} refused: {}", e.code.as_str()));
                None
            }
        }
    }

    /// Runs `f` in one write on device `d`, for the admin: `(tx, store id, admin id)`.
    fn write_on<T>(
        &self,
        d: usize,
        f: impl FnOnce(&mut WriteTx<'_>, &str, &str) -> kassa_domain::Result<T>,
    ) -> kassa_domain::Result<T> {
        self.devices[d]
            .lock()
            .write(|tx| f(tx, &self.store_id, &self.admin_id))
    }

    /// The products device `d` has (those made elsewhere arrive by sync).
    fn known_products(&self, d: usize) -> Vec<String> {
        let s = self.devices[d].lock();
        self.products
            .iter()
            .filter(|p| catalog::get(s.conn(), &self.store_id, p).is_ok())
            .cloned()
            .collect()
    }

    fn sale(&mut self, d: usize) -> Result<(), String> {
        let known = self.known_products(d);
        if known.is_empty() {
            return Ok(());
        }
        let n = self.rng.gen_range(1..=3);
        let picks: Vec<(String, i64)> = (0..n)
            .map(|_| {
                (
                    known[self.rng.gen_range(0..known.len())].clone(),
                    self.rng.gen_range(1..=3),
                )
            })
            .collect();
        let customer = if self.rng.gen_bool(0.3) {
            Some(self.customers[self.rng.gen_range(0..self.customers.len())].clone())
        } else {
            None
        };
        let key = ids::new_id();
        let (store_id, admin) = (self.store_id.clone(), self.admin_id.clone());
        let result = {
            let mut s = self.devices[d].lock();
            let lines: kassa_domain::Result<Vec<SaleLine>> = picks
                .iter()
                .map(|(pid, qty)| {
                    let item = catalog_port::item(s.conn(), &store_id, pid)?;
                    Ok(SaleLine {
                        product_id: item.product_id,
                        sku: item.sku,
                        name: item.name,
                        quantity: *qty,
                        unit_price_minor: item.unit_price_minor,
                        tax: item.tax,
                        cost_minor: item.cost_minor,
                        stock_tracked: item.stock_tracked,
                        discount: Discount::None,
                        discount_approver_id: None,
                        price_changed: false,
                    })
                })
                .collect();
            let customer = customer.filter(|c| customers::get(s.conn(), &store_id, c).is_ok());
            lines.and_then(|lines| {
                checkout(
                    &mut s,
                    CheckoutRequest {
                        lines,
                        order_discount: Discount::None,
                        order_discount_approver_id: None,
                        customer_id: customer,
                        tenders: vec![TenderRequest {
                            kind: TenderKind::Cash,
                            amount_minor: 100_000,
                            card: None,
                            voucher_code: None,
                        }],
                        idempotency_key: Some(key),
                        staff_id: admin,
                        cart_id: None,
                    },
                )
            })
        };
        if let Some(out) = self.outcome(d, "sale", result) {
            self.stats.sales += 1;
            self.log(format!("d{d} sold {} ({})", out.number, out.total_minor));
            self.sales.push(Sale {
                order_id: out.order_id,
                number: out.number,
                device: d,
            });
        }
        Ok(())
    }

    fn refund(&mut self, d: usize, void: bool) -> Result<(), String> {
        if self.sales.is_empty() {
            return Ok(());
        }
        // Recent sales more often: two devices refunding one order is the interesting case.
        let from = self.sales.len().saturating_sub(8);
        let pick = self.rng.gen_range(from..self.sales.len());
        let order_id = self.sales[pick].order_id.clone();
        let admin = self.admin_id.clone();
        let whole = self.rng.gen_bool(0.3);
        let result = {
            let mut s = self.devices[d].lock();
            match order::load(s.conn(), &order_id) {
                // Not here yet: the till cannot find the receipt.
                Err(e) => Err(e),
                Ok(o) => {
                    let lines = if void || whole {
                        Vec::new()
                    } else {
                        o.lines
                            .iter()
                            .take(1)
                            .map(|l| RefundLine {
                                order_line_id: l.id.clone(),
                                quantity: 1,
                                restock: true,
                            })
                            .collect()
                    };
                    refund(
                        &mut s,
                        RefundRequest {
                            order_id: order_id.clone(),
                            lines,
                            reason: Some("customer returned it".into()),
                            staff_id: admin,
                            approver: None,
                            idempotency_key: None,
                            void,
                        },
                    )
                }
            }
        };
        let what = if void { "void" } else { "refund" };
        if self.outcome(d, what, result).is_some() {
            if void {
                self.stats.voids += 1;
            } else {
                self.stats.refunds += 1;
            }
            let number = self.sales[pick].number.clone();
            self.log(format!("d{d} {what} of {number}"));
        }
        Ok(())
    }

    /// A booking of 1 to 3 travellers on a departure device `d` knows, held, and half of them
    /// with the deposit paid in cash; beyond the seats left this device sees, or beyond what it
    /// holds, refused. Most times, as the app does online, the device first asks the server for
    /// the seats it lacks.
    async fn book(&mut self, d: usize) -> Result<(), String> {
        let dep = self.departures[self.rng.gen_range(0..self.departures.len())].clone();
        let n = self.rng.gen_range(1..=3);
        if self.rng.gen_bool(0.7) {
            let short = {
                let s = self.devices[d].lock();
                // A departure this device has not heard of yet: nothing to ask for.
                allotments::shortfall(s.conn(), &dep, n, s.clock().now()).unwrap_or(0)
            };
            if short > 0 {
                let out = self.write_on(d, |tx, _, _| allotments::request(tx, &dep, short));
                self.send_allotment(d, "seats asked for at booking", out)
                    .await?;
            }
        }
        let child = self.rng.gen_bool(0.3);
        let customer = if self.rng.gen_bool(0.5) {
            Some(self.customers[self.rng.gen_range(0..self.customers.len())].clone())
        } else {
            None
        };
        let deposit = self.rng.gen_bool(0.5);
        let result = self.write_on(d, |tx, store_id, admin| {
            trips::departure(tx, &dep)?;
            let customer = customer.filter(|c| customers::get(tx, store_id, c).is_ok());
            let travellers = (0..n)
                .map(|i| Traveller {
                    traveller_type: if child && i == 0 {
                        TravellerType::Child
                    } else {
                        TravellerType::Adult
                    },
                    full_name: format!("Traveller {i} of till {}", d + 1),
                    date_of_birth: None,
                    document_number: None,
                })
                .collect();
            let b = bookings::create(
                tx,
                store_id,
                &BookingRequest {
                    departure_id: dep.clone(),
                    customer_id: customer,
                    travellers,
                    options: vec![],
                    note: None,
                    staff_id: admin.to_string(),
                    hold: true,
                    waitlist_id: None,
                },
            )?;
            if deposit {
                let amount = b.deposit_minor;
                return Ok(
                    bookings::pay(tx, store_id, admin, &b.id, BookingTender::Cash, amount)?.booking,
                );
            }
            Ok(b)
        });
        if let Some(b) = self.outcome(d, "booking", result) {
            self.stats.bookings += 1;
            self.log(format!(
                "d{d} booked {} ({} seats, {})",
                b.reference,
                b.seats,
                b.status.as_str()
            ));
            self.bookings.push(b.id);
        }
        Ok(())
    }

    /// Device `d` asks the server for 1 to 4 more seats of a departure it knows.
    async fn request_seats(&mut self, d: usize) -> Result<(), String> {
        let dep = self.departures[self.rng.gen_range(0..self.departures.len())].clone();
        let n = self.rng.gen_range(1..=4);
        let out = self.write_on(d, |tx, _, _| allotments::request(tx, &dep, n));
        self.send_allotment(d, "seats requested", out).await
    }

    /// Device `d` gives 1 or 2 unsold seats of a departure back.
    async fn return_seats(&mut self, d: usize) -> Result<(), String> {
        let dep = self.departures[self.rng.gen_range(0..self.departures.len())].clone();
        let n = self.rng.gen_range(1..=2);
        let out = self.write_on(d, |tx, _, _| allotments::give_back(tx, &dep, n));
        self.send_allotment(d, "seats returned", out).await
    }

    async fn send_allotment(
        &mut self,
        d: usize,
        what: &str,
        out: kassa_domain::Result<allotments::Outgoing>,
    ) -> Result<(), String> {
        let Some(out) = self.outcome(d, what, out) else {
            return Ok(());
        };
        let admin = self.admin_id.clone();
        let r = kassa_sync_client::set_allotment(
            &self.devices[d].store,
            &self.transport(),
            Some(&admin),
            &out,
        )
        .await;
        if let Some(a) = self.outcome(d, what, r) {
            self.stats.allotments += 1;
            self.log(format!("d{d} {what}: holds {} (v{})", a.seats, a.version));
        }
        Ok(())
    }

    /// A recent booking device `d` knows: `(booking id)`.
    fn recent_booking(&mut self) -> Option<String> {
        if self.bookings.is_empty() {
            return None;
        }
        let from = self.bookings.len().saturating_sub(8);
        Some(self.bookings[self.rng.gen_range(from..self.bookings.len())].clone())
    }

    /// The balance of a recent booking (or part of it) paid in cash on device `d`.
    fn pay_booking(&mut self, d: usize) -> Result<(), String> {
        let Some(id) = self.recent_booking() else {
            return Ok(());
        };
        let whole = self.rng.gen_bool(0.6);
        let result = self.write_on(d, |tx, store_id, admin| {
            let b = bookings::get(tx, &id)?;
            let amount = if whole {
                b.balance_minor
            } else {
                b.balance_minor.min(b.deposit_minor.max(1))
            };
            bookings::pay(tx, store_id, admin, &id, BookingTender::Cash, amount)
        });
        if let Some(out) = self.outcome(d, "booking payment", result) {
            self.log(format!(
                "d{d} took a payment for {} ({})",
                out.booking.reference,
                out.booking.status.as_str()
            ));
        }
        Ok(())
    }

    /// A recent booking amended on device `d`: a traveller added (within what the device
    /// holds, on the device that holds its seats) or one taken off (the difference refunded).
    fn amend_booking(&mut self, d: usize) -> Result<(), String> {
        let Some(id) = self.recent_booking() else {
            return Ok(());
        };
        let add = self.rng.gen_bool(0.5);
        let result = self.write_on(d, |tx, store_id, admin| {
            let b = bookings::get(tx, &id)?;
            let change = if add || b.travellers.len() < 2 {
                amend::Amendment {
                    add: vec![Traveller {
                        traveller_type: TravellerType::Adult,
                        full_name: format!("Added on till {}", d + 1),
                        date_of_birth: None,
                        document_number: None,
                    }],
                    ..Default::default()
                }
            } else {
                amend::Amendment {
                    remove: vec![b.travellers[b.travellers.len() - 1].id.clone()],
                    ..Default::default()
                }
            };
            amend::amend(tx, store_id, admin, &id, &change)
        });
        if let Some(out) = self.outcome(d, "amendment", result) {
            self.log(format!(
                "d{d} amended {} to {} seats ({})",
                out.booking.reference,
                out.booking.seats,
                out.booking.status.as_str()
            ));
        }
        Ok(())
    }

    /// A recent booking cancelled on device `d` with the policy's fee.
    fn cancel_booking(&mut self, d: usize) -> Result<(), String> {
        let Some(id) = self.recent_booking() else {
            return Ok(());
        };
        let result = self.write_on(d, |tx, store_id, admin| {
            bookings::cancel(tx, store_id, admin, &id, Some("the customer called"))
        });
        if let Some(c) = self.outcome(d, "cancellation", result) {
            self.stats.cancellations += 1;
            self.log(format!(
                "d{d} cancelled {} (fee {}, refund {})",
                c.booking.reference, c.settlement.fee_minor, c.settlement.refund_minor
            ));
        }
        Ok(())
    }

    fn edit_customer(&mut self, d: usize) -> Result<(), String> {
        let c = self.customers[self.rng.gen_range(0..self.customers.len())].clone();
        let phone = format!("+49 30 {}", self.rng.gen_range(100_000..999_999));
        let consent = self.rng.gen_bool(0.5);
        let note = self.rng.gen_range(0..4);
        let result = self.write_on(d, |tx, store_id, admin| {
            let mut data = customers::get(tx, store_id, &c)?.data;
            data.phone = Some(phone.clone());
            data.marketing_consent = consent;
            data.notes = format!("note {note} from till {}", d + 1);
            customers::update(tx, store_id, admin, &c, &data)
        });
        if self.outcome(d, "customer edit", result).is_some() {
            self.log(format!("d{d} edited a customer"));
        }
        Ok(())
    }

    fn new_customer(&mut self, d: usize) -> Result<(), String> {
        let n = self.rng.gen_range(0..1000);
        let result = self.write_on(d, |tx, store_id, admin| {
            customers::create(
                tx,
                store_id,
                admin,
                &CustomerData {
                    name: format!("Walk-in {n}"),
                    ..Default::default()
                },
                AuditMode::PerProduct,
            )
        });
        if let Some(c) = self.outcome(d, "new customer", result) {
            self.log(format!("d{d} added customer {n}"));
            self.customers.push(c.id);
        }
        Ok(())
    }

    fn change_price(&mut self, d: usize) -> Result<(), String> {
        let known = self.known_products(d);
        if known.is_empty() {
            return Ok(());
        }
        let p = known[self.rng.gen_range(0..known.len())].clone();
        let price = self.rng.gen_range(50..3000);
        let result = self.write_on(d, |tx, store_id, admin| {
            let mut data = catalog::get(tx, store_id, &p)?.data;
            data.price_minor = price;
            catalog::update(tx, store_id, admin, &p, &data)
        });
        if self.outcome(d, "price change", result).is_some() {
            self.log(format!("d{d} priced a product at {price}"));
        }
        Ok(())
    }

    fn new_product(&mut self, d: usize) -> Result<(), String> {
        // A few SKUs only, so two offline devices make the same one.
        let k = self.rng.gen_range(0..4);
        let result = self.write_on(d, |tx, store_id, admin| {
            let data = ProductData::new(&format!("NEW-{k}"), &format!("New item {k}"), 999);
            let p = catalog::create(tx, store_id, admin, &data, AuditMode::PerProduct)?;
            stock::receive(
                tx,
                store_id,
                admin,
                &Receipt {
                    product_id: p.id.clone(),
                    qty: 10,
                    location_id: None,
                    batch_code: None,
                    expires_on: None,
                    unit_cost_minor: None,
                    note: None,
                },
            )?;
            Ok(p.id)
        });
        if let Some(id) = self.outcome(d, "new product", result) {
            self.log(format!("d{d} made product NEW-{k}"));
            self.products.push(id);
        }
        Ok(())
    }

    fn count_stock(&mut self, d: usize) -> Result<(), String> {
        let known = self.known_products(d);
        if known.is_empty() {
            return Ok(());
        }
        let p = known[self.rng.gen_range(0..known.len())].clone();
        let counted = self.rng.gen_range(0..50);
        let (store_id, admin) = (self.store_id.clone(), self.admin_id.clone());
        let result = self.devices[d]
            .lock()
            .write(|tx| stock::post_count(tx, &store_id, &admin, None, &[(p.clone(), counted)]));
        if self.outcome(d, "stock count", result).is_some() {
            self.log(format!("d{d} counted {counted} of a product"));
        }
        Ok(())
    }

    fn receive_stock(&mut self, d: usize) -> Result<(), String> {
        let known = self.known_products(d);
        if known.is_empty() {
            return Ok(());
        }
        let p = known[self.rng.gen_range(0..known.len())].clone();
        let qty = self.rng.gen_range(1..20);
        let result = self.write_on(d, |tx, store_id, admin| {
            stock::receive(
                tx,
                store_id,
                admin,
                &Receipt {
                    product_id: p.clone(),
                    qty,
                    location_id: None,
                    batch_code: None,
                    expires_on: None,
                    unit_cost_minor: None,
                    note: None,
                },
            )
        });
        if self.outcome(d, "stock receipt", result).is_some() {
            self.log(format!("d{d} received {qty} of a product"));
        }
        Ok(())
    }

    fn change_staff(&mut self, d: usize) -> Result<(), String> {
        let choice = self.rng.gen_range(0..3);
        if choice == 0 || self.staff.is_empty() {
            // Two devices may take on the same person offline.
            let k = self.rng.gen_range(0..3);
            let email = format!("clerk{k}@example.com");
            let creds = NewCredentials::prepare("another good long password")
                .map_err(err("credentials"))?;
            let store_id = self.store_id.clone();
            let admin = self.admin_id.clone();
            let result = {
                let s = self.devices[d].lock();
                s.store_key().map(|k| k.clone_key())
            }
            .and_then(|key| {
                self.devices[d].lock().write(|tx| {
                    insert_active(
                        tx,
                        &key,
                        &NewStaff {
                            store_id: &store_id,
                            email: &email,
                            display_name: &format!("Clerk {k}"),
                            role: Role::Cashier,
                        },
                        &creds,
                        Some(&admin),
                    )
                })
            });
            if let Some(id) = self.outcome(d, "new staff", result) {
                self.log(format!("d{d} took on {email}"));
                self.staff.push(id);
            }
            return Ok(());
        }
        let who = self.staff[self.rng.gen_range(0..self.staff.len())].clone();
        let admin = self.admin_id.clone();
        let role = if self.rng.gen_bool(0.5) {
            Role::Manager
        } else {
            Role::Cashier
        };
        let active = self.rng.gen_bool(0.7);
        let result = self.devices[d].lock().write(|tx| {
            let member = staff::get(tx, &who)?;
            if choice == 1 {
                staff::set_role(tx, &member, role, &admin)
            } else {
                staff::set_active(tx, &member, active, &admin)
            }
        });
        if self.outcome(d, "staff change", result).is_some() {
            self.log(format!("d{d} changed a staff member ({choice})"));
        }
        Ok(())
    }

    fn change_setting(&mut self, d: usize) -> Result<(), String> {
        if self.rng.gen_range(0..3) == 0 {
            return self.change_currency(d);
        }
        let v = self.rng.gen_range(0..5) * 500;
        let result = self.write_on(d, |tx, store_id, admin| {
            settings::set(
                tx,
                store_id,
                "sell.max_discount_bp",
                SettingValue::Int(v),
                admin,
            )
        });
        if self.outcome(d, "setting", result).is_some() {
            self.log(format!("d{d} set the discount limit to {v}"));
        }
        Ok(())
    }

    /// The store's currency changed on a device: refused once it holds a sale, but a device
    /// that has not heard of the others' sales yet takes it, and sync must settle it.
    fn change_currency(&mut self, d: usize) -> Result<(), String> {
        let code = ["EUR", "CHF", "GBP"][self.rng.gen_range(0..3)];
        let result = self.write_on(d, |tx, store_id, admin| {
            kassa_store::foundation::device::update_store(
                tx,
                store_id,
                admin,
                &kassa_store::foundation::device::StoreChange {
                    name: None,
                    currency: Some(code.to_string()),
                },
            )
        });
        if self.outcome(d, "currency", result).is_some() {
            self.log(format!("d{d} set the currency to {code}"));
        }
        Ok(())
    }

    fn sign_in(&mut self, d: usize) -> Result<(), String> {
        let at = kassa_store::Clock::now(self.devices[d].clock.as_ref());
        let code = kassa_domain::totp::code_at(&self.admin_totp, at.timestamp().max(0) as u64)
            .map_err(err("totp"))?;
        // A code refused as used counts as a failed proof like a wrong password.
        let (result, _) = self.sign_in_counted(d, ADMIN_EMAIL, PASSWORD, &code)?;
        let step = at.timestamp().max(0) as u64 / 30;
        let normal_clock = self.devices[d].skew < Duration::minutes(5);
        match result {
            Ok(_) => {
                self.stats.sign_ins += 1;
                self.log(format!("d{d} signed the admin in"));
                if normal_clock {
                    self.steps_used.push(step);
                }
            }
            Err(e) => {
                self.stats.refused_actions += 1;
                self.log(format!("d{d} sign-in refused: {}", e.code.as_str()));
                // A fresh code on a device with a sound clock is refused only when a device
                // with a sound clock used that step, or a later one, before.
                let spent = self.steps_used.iter().any(|s| *s >= step);
                if normal_clock && !spent {
                    return Err(format!(
                        "d{d} (clock {:+}s) refused the admin's fresh code: {e}",
                        self.devices[d].skew.num_seconds()
                    ));
                }
            }
        }
        Ok(())
    }

    /// Signs `email` in on device `d`, adding the failures it recorded (if any) to those every
    /// device must hold after sync: the answer and how many it recorded.
    fn sign_in_counted(
        &mut self,
        d: usize,
        email: &str,
        password: &str,
        code: &str,
    ) -> Result<
        (
            kassa_domain::Result<kassa_store::identity::auth::SignedIn>,
            u64,
        ),
        String,
    > {
        let failures = |s: &Store| {
            s.conn()
                .query_row(
                    "SELECT count(*) FROM sign_in_events WHERE kind = 'failure'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(|e| format!("d{d}: sign-in events: {e}"))
        };
        let mut s = self.devices[d].lock();
        let before = failures(&s)?;
        let result = sign_in(
            &mut s,
            email,
            password,
            SecondFactor::Totp(code),
            Surface::Desktop,
        );
        let recorded = u64::try_from(failures(&s)? - before).unwrap_or(0);
        drop(s);
        if self.failed_sign_ins.len() <= d {
            self.failed_sign_ins.resize(d + 1, 0);
        }
        self.failed_sign_ins[d] += recorded;
        Ok((result, recorded))
    }

    /// Someone tries a clerk's account with a wrong password: a failure counted for that
    /// account on every device once they have met (ten of them anywhere lock it everywhere).
    fn wrong_sign_in(&mut self, d: usize) -> Result<(), String> {
        // Mostly one account, so that failures spread over devices reach the lock.
        let k = if self.rng.gen_bool(0.9) {
            0
        } else {
            self.rng.gen_range(1..3)
        };
        let email = format!("clerk{k}@example.com");
        let (result, recorded) =
            self.sign_in_counted(d, &email, "not the password at all", "000000")?;
        match result {
            Ok(_) => Err(format!("d{d} signed {email} in with a wrong password")),
            Err(e) => {
                self.stats.refused_actions += 1;
                self.log(format!(
                    "d{d} refused a wrong password for {email}: {} ({recorded} recorded)",
                    e.code.as_str()
                ));
                Ok(())
            }
        }
    }

    async fn sync(&mut self, d: usize) -> Result<(), String> {
        self.stats.syncs += 1;
        let r = sync_once(&self.devices[d].store, &self.transport()).await;
        match r {
            Ok(SyncReport {
                pushed,
                pulled,
                conflicts,
                ..
            }) => self.log(format!(
                "d{d} synced: pushed {pushed}, pulled {pulled}, conflicts {conflicts}"
            )),
            Err(e) => {
                self.stats.failed_syncs += 1;
                self.log(format!("d{d} sync failed: {}", e.code.as_str()));
                if e.code == kassa_domain::ErrorCode::DeviceRevoked {
                    self.found_revoked(d)?;
                }
            }
        }
        Ok(())
    }

    /// The admin on d0 revokes another device (once a run, and only while three or more are
    /// in the store). An answer lost on the network leaves it unknown until the device's
    /// next sync is refused.
    async fn revoke_device(&mut self) -> Result<(), String> {
        if self.revoked.is_some() || self.devices.len() < 3 {
            return Ok(());
        }
        let v = match self.revoke_target {
            Some(v) => v,
            None => {
                let v = self.rng.gen_range(1..self.devices.len());
                self.revoke_target = Some(v);
                v
            }
        };
        let id = self.device_id(v)?;
        let r = kassa_sync_client::revoke(
            &self.devices[0].store,
            &self.transport(),
            &id,
            Some(&self.admin_id.clone()),
        )
        .await;
        match r {
            Ok(()) => {
                self.log(format!("d0 revoked d{v}"));
                self.found_revoked(v)
            }
            Err(e) => {
                self.log(format!("d0 revoking d{v} failed: {}", e.code.as_str()));
                Ok(())
            }
        }
    }

    fn device_id(&self, d: usize) -> Result<String, String> {
        self.devices[d]
            .lock()
            .conn()
            .query_row("SELECT id FROM device", [], |r| r.get(0))
            .map_err(|e| format!("d{d}: its id: {e}"))
    }

    /// Notes device `d` as revoked, with the sales it had not sent.
    fn found_revoked(&mut self, d: usize) -> Result<(), String> {
        if self.revoked.is_some() {
            return Ok(());
        }
        let device_id = self.device_id(d)?;
        let unsent_orders: Vec<String> = self.devices[d]
            .lock()
            .conn()
            .prepare("SELECT DISTINCT entity_id FROM outbox WHERE entity = 'orders'")
            .and_then(|mut st| {
                st.query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()
            })
            .map_err(|e| format!("d{d}: its outbox: {e}"))?;
        self.log(format!(
            "d{d} is revoked with {} sales unsent",
            unsent_orders.len()
        ));
        self.revoked = Some(Revoked {
            index: d,
            device_id,
            unsent_orders,
        });
        Ok(())
    }

    fn restart_server(&mut self) -> Result<(), String> {
        self.stats.server_restarts += 1;
        self.stop_server();
        self.start_server()?;
        self.log("the server restarted".into());
        Ok(())
    }

    fn outage(&mut self) -> Result<(), String> {
        if self.net.server_up() {
            self.stats.server_outages += 1;
            self.stop_server();
            self.log("the server went down".into());
        } else {
            self.start_server()?;
            self.log("the server came back".into());
        }
        Ok(())
    }

    /// The device's process is killed and started again on the same folder.
    fn restart_device(&mut self, d: usize) -> Result<(), String> {
        self.stats.device_restarts += 1;
        let dev = &mut self.devices[d];
        let reopened = {
            let placeholder = Device::open(
                self.root.path().join("scratch"),
                Arc::clone(&dev.clock),
                dev.key,
            )?;
            // The old handle is dropped before the folder opens again, as a killed process's is.
            drop(std::mem::replace(
                dev.store.get_mut().unwrap_or_else(|p| p.into_inner()),
                placeholder,
            ));
            Device::open(dev.dir.clone(), Arc::clone(&dev.clock), dev.key)?
        };
        *dev.store.get_mut().unwrap_or_else(|p| p.into_inner()) = reopened;
        self.log(format!("d{d} was killed and started again"));
        Ok(())
    }

    /// The network heals, the server is up, late requests arrive, and every device syncs
    /// until no device pushes or pulls anything.
    async fn quiet(&mut self) -> Result<(), String> {
        self.net.set_faults(Faults::none());
        if !self.net.server_up() {
            self.start_server()?;
        }
        self.net.deliver_all_late().await;
        self.log("quiet: the network heals".into());
        for round in 0..12 {
            let mut moved = false;
            for d in 0..self.devices.len() {
                if self.revoked.as_ref().is_some_and(|r| r.index == d) {
                    continue;
                }
                self.tick(1);
                let r = match sync_once(&self.devices[d].store, &self.transport()).await {
                    Err(e) if e.code == kassa_domain::ErrorCode::DeviceRevoked => {
                        self.found_revoked(d)?;
                        moved = true;
                        continue;
                    }
                    r => {
                        r.map_err(|e| format!("device {d} cannot sync on a quiet network: {e}"))?
                    }
                };
                moved |= r.pushed > 0 || r.pulled > 0;
            }
            if !moved {
                self.log(format!("quiet after {round} rounds"));
                return Ok(());
            }
        }
        Err("the devices still exchange changes after 12 quiet rounds".into())
    }
}
