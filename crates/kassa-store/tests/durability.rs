//! Killed at any moment of checkout, the store loses no sale it reported as committed and
//! holds no half-written one. A child process sells in a loop and says each number it
//! committed; the test kills it with SIGKILL, reopens the database and checks.

mod support;

use kassa_domain::selling::tender::TenderKind;
use kassa_store::selling::checkout::{CheckoutRequest, TenderRequest, checkout};
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "KASSA_DURABILITY_CHILD";
const TEST_NAME: &str =
    "killed_in_the_middle_of_checkouts_no_reported_sale_is_lost_and_none_is_half_written";

/// The child: sells 5-line cash sales until killed, reporting each committed number.
fn child(dir: &str) -> ! {
    let mut store = support::open(std::path::Path::new(dir));
    let store_id: String = store
        .conn()
        .query_row("SELECT store_id FROM device", [], |r| r.get(0))
        .expect("device");
    let admin: String = store
        .conn()
        .query_row("SELECT id FROM staff LIMIT 1", [], |r| r.get(0))
        .expect("staff");
    let skus: Vec<String> = ["TEA-GREEN", "MUG-BLUE", "OAT-1L", "SVC-WRAP", "CAKE-SLICE"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut out = std::io::stdout().lock();
    loop {
        let lines = support::lines(&store, &store_id, &skus, 1);
        let done = checkout(
            &mut store,
            CheckoutRequest {
                lines,
                order_discount: Default::default(),
                order_discount_approver_id: None,
                customer_id: None,
                tenders: vec![TenderRequest {
                    kind: TenderKind::Cash,
                    amount_minor: 10_000,
                    card: None,
                    voucher_code: None,
                }],
                idempotency_key: None,
                staff_id: admin.clone(),
                cart_id: None,
            },
        )
        .expect("checkout");
        // Said only after the commit returned: every number printed must survive.
        let _ = writeln!(out, "committed {}", done.number);
        let _ = out.flush();
    }
}

#[test]
fn killed_in_the_middle_of_checkouts_no_reported_sale_is_lost_and_none_is_half_written() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        child(&dir);
    }
    let dir = tempfile::tempdir().unwrap();
    drop(support::shop(dir.path(), 1_000_000));
    let mut reported: HashSet<String> = HashSet::new();
    // Kill after different amounts of work, so the kill lands in different places.
    for (round, after) in [30u64, 75, 120, 200, 310, 450, 90, 160].iter().enumerate() {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| l.strip_prefix("committed ").map(str::to_string))
                .collect::<Vec<_>>()
        });
        // Wait for the first sale, then let it run a while and kill it mid-flight.
        let started = Instant::now();
        std::thread::sleep(Duration::from_millis(400 + after));
        child.kill().unwrap();
        child.wait().unwrap();
        let numbers = reader.join().unwrap();
        assert!(
            !numbers.is_empty() || started.elapsed() < Duration::from_millis(100),
            "round {round}: the child sold nothing"
        );
        reported.extend(numbers);

        let store = support::open(dir.path());
        let c = store.conn();
        let check: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        let in_db: HashSet<String> = c
            .prepare("SELECT number FROM orders")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let lost: Vec<_> = reported.difference(&in_db).collect();
        assert!(
            lost.is_empty(),
            "round {round}: sales reported committed but missing: {lost:?}"
        );
        // Every order is whole: 5 lines, a payment, 4 stock movements (the service has none),
        // its history event and its outbox entry.
        let broken: i64 = c
            .query_row(
                "SELECT count(*) FROM orders o WHERE
                    (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id) <> 5
                 OR (SELECT count(*) FROM payments p WHERE p.order_id = o.id) <> 1
                 OR (SELECT count(*) FROM stock_movements m WHERE m.ref_id = o.id) <> 4
                 OR (SELECT count(*) FROM order_events e WHERE e.order_id = o.id) <> 1
                 OR (SELECT count(*) FROM outbox x WHERE x.entity = 'orders' AND x.entity_id = o.id) <> 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(broken, 0, "round {round}: half-written orders");
        let stray: i64 = c
            .query_row(
                "SELECT count(*) FROM stock_movements m WHERE m.ref_type = 'order' AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = m.ref_id)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            stray, 0,
            "round {round}: stock moved for a sale that is not there"
        );
        assert!(
            kassa_store::foundation::audit::verify(c).unwrap().ok,
            "round {round}: the audit chain holds"
        );
    }
    eprintln!(
        "{} sales reported committed over 8 kills; all present, none half-written",
        reported.len()
    );
    assert!(
        reported.len() >= 8,
        "the children committed sales: {}",
        reported.len()
    );
}
