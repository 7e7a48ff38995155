//! A device's place with the sync server: pairing keeps the token sealed, acknowledged
//! changes leave the outbox, and the server's clock is remembered and followed within bounds.

use chrono::{Duration, TimeZone, Utc};
use kassa_store::foundation::device::{self, SetupParams, setup};
use kassa_store::foundation::sync_state::{self, Pairing};
use kassa_store::foundation::{audit, outbox};
use kassa_store::identity::auth::{SecondFactor, sign_in};
use kassa_store::identity::session::Surface;
use kassa_store::selling::series::{self, Series};
use kassa_store::{Clock, ErrorCode, FixedClock, KeySource, Store};
use std::sync::Arc;

const PASSWORD: &str = "correct horse battery staple";
const TOKEN: &str = "dGhlLWRldmljZS10b2tlbi1mb3ItdGVzdHMtb25seS0xMjM0NTY";

struct Till {
    store: Store,
    clock: Arc<FixedClock>,
    admin: String,
    totp: Vec<u8>,
    _dir: tempfile::TempDir,
}

fn till() -> Till {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap(),
    ));
    let mut store = Store::open(
        dir.path(),
        clock.clone(),
        KeySource::ExplicitKeys {
            device: [5; 32],
            store: [77; 32],
        },
    )
    .unwrap();
    let out = setup(
        &mut store,
        SetupParams {
            store_name: "Corner Shop".into(),
            store_code: None,
            currency: "EUR".into(),
            device_name: None,
            admin_email: "a@example.com".into(),
            admin_name: None,
            password: PASSWORD.into(),
            demo: false,
        },
    )
    .unwrap();
    Till {
        store,
        clock,
        admin: out.admin_id,
        totp: out.totp_secret,
        _dir: dir,
    }
}

impl Till {
    /// Records an upsert of the setting `key` with `payload`, as a change to sync.
    fn record_setting(&mut self, key: &str, payload: serde_json::Value) -> kassa_store::Result<()> {
        self.store
            .write(|tx| tx.record_change("settings", key, kassa_store::ChangeOp::Upsert, &payload))
    }
}

impl Till {
    fn pair(&mut self, code: &str) -> kassa_store::Result<sync_state::ClockCheck> {
        let now = self.clock.now();
        sync_state::save_pairing(
            &mut self.store,
            &Pairing {
                server_url: "https://sync.example.com",
                device_code: code,
                token: TOKEN,
                server_time: now,
                actor_id: Some(&self.admin),
            },
        )
    }

    fn hlc(&self) -> u64 {
        let h: i64 = self
            .store
            .conn()
            .query_row("SELECT hlc FROM device", [], |r| r.get(0))
            .unwrap();
        h as u64
    }

    fn sign_in(&mut self) -> kassa_store::Result<()> {
        let unix = u64::try_from(self.clock.now().timestamp()).unwrap();
        let code = kassa_domain::totp::code_at(&self.totp, unix).unwrap();
        sign_in(
            &mut self.store,
            "a@example.com",
            PASSWORD,
            SecondFactor::Totp(&code),
            Surface::Desktop,
        )
        .map(|_| ())
    }
}

#[test]
fn pairing_keeps_the_server_and_code_and_seals_the_token() {
    let mut t = till();
    assert_eq!(sync_state::state(t.store.conn()).unwrap(), None);
    t.pair("03").unwrap();

    let state = sync_state::state(t.store.conn()).unwrap().unwrap();
    assert_eq!(state.server_url, "https://sync.example.com");
    assert_eq!(state.device_code, "03");
    assert_eq!(state.acked_seq, 0);
    assert_eq!(device::device(t.store.conn()).unwrap().unwrap().code, "03");

    let sealed: Vec<u8> = t
        .store
        .conn()
        .query_row("SELECT token_enc FROM sync_state", [], |r| r.get(0))
        .unwrap();
    assert!(!sealed.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()));
    assert_eq!(sync_state::credentials(&t.store).unwrap().token, TOKEN);

    let filter = audit::AuditFilter {
        action_prefix: Some("device.paired".into()),
        limit: 10,
        ..Default::default()
    };
    let entries = audit::list(t.store.conn(), &filter).unwrap();
    let paired = entries
        .iter()
        .find(|e| e.entry.action == "device.paired")
        .expect("the pairing is audited");
    let after = paired.entry.after.clone().unwrap();
    assert!(after.contains("sync.example.com") && after.contains("03"));
    assert!(!after.contains(TOKEN));
    assert_eq!(paired.entry.actor_id.as_deref(), Some(t.admin.as_str()));
}

#[test]
fn a_device_that_numbered_receipts_keeps_its_code() {
    let mut t = till();
    t.store
        .write(|tx| series::next(tx, Series::Sale).map(|_| ()))
        .unwrap();
    let pending = outbox::summary(t.store.conn()).unwrap();

    let err = t.pair("02").unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.contains("02"), "{}", err.message);
    assert_eq!(sync_state::state(t.store.conn()).unwrap(), None);
    assert_eq!(device::device(t.store.conn()).unwrap().unwrap().code, "01");
    assert_eq!(outbox::summary(t.store.conn()).unwrap(), pending);

    // The same code as its own is no change, so it pairs.
    t.pair("01").unwrap();
}

#[test]
fn acknowledged_changes_leave_the_outbox_and_the_rest_stay_in_order() {
    let mut t = till();
    t.pair("01").unwrap();
    let all = sync_state::pushable(t.store.conn(), 10_000).unwrap();
    assert!(all.len() > 5);
    assert!(all.windows(2).all(|w| w[1].seq == w[0].seq + 1));

    let batch = sync_state::pushable(t.store.conn(), 3).unwrap();
    assert_eq!(batch, all[..3]);
    let dropped = sync_state::acknowledge(&mut t.store, batch[2].seq).unwrap();
    assert_eq!(dropped, 3);

    let rest = sync_state::pushable(t.store.conn(), 10_000).unwrap();
    assert_eq!(rest, all[3..]);
    let state = sync_state::state(t.store.conn()).unwrap().unwrap();
    assert_eq!(state.acked_seq, batch[2].seq);
    assert!(state.last_sync_at.is_some());

    // An older acknowledgement (a late duplicate answer) moves nothing back.
    sync_state::acknowledge(&mut t.store, 1).unwrap();
    assert_eq!(
        sync_state::state(t.store.conn())
            .unwrap()
            .unwrap()
            .acked_seq,
        batch[2].seq
    );

    // A change made after the acknowledgement continues the sequence.
    let last = rest.last().unwrap().seq;
    t.record_setting("k", serde_json::json!({})).unwrap();
    let after = sync_state::pushable(t.store.conn(), 10_000).unwrap();
    assert_eq!(after.last().unwrap().seq, last + 1);
}

#[test]
fn a_push_carries_each_payload_as_the_outbox_keeps_it_and_a_damaged_one_is_an_error() {
    let mut t = till();
    t.pair("01").unwrap();
    let held: Vec<String> = t
        .store
        .conn()
        .prepare("SELECT payload FROM outbox ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let batch = sync_state::pushable(t.store.conn(), 10_000).unwrap();
    let sent: Vec<&str> = batch.iter().map(|c| c.change.payload.as_str()).collect();
    assert_eq!(sent, held);

    // A payload that is not JSON any more stops the push with a storage error naming it.
    let first = batch[0].change.change_id.clone();
    t.store
        .conn()
        .execute(
            "UPDATE outbox SET payload = '{\"name\": ' WHERE change_id = ?1",
            [&first],
        )
        .unwrap();
    let e = sync_state::pushable(t.store.conn(), 10_000).unwrap_err();
    assert_eq!(e.code, kassa_store::ErrorCode::Storage);
    assert!(
        e.message.contains(&first) && e.message.contains("payload"),
        "{e}"
    );
}

#[test]
fn a_change_too_large_to_sync_is_refused_and_nothing_is_saved() {
    use kassa_sync_protocol::wire::MAX_CHANGE_BYTES;
    let mut t = till();
    let before = outbox::summary(t.store.conn()).unwrap();
    let pasted = "x".repeat(MAX_CHANGE_BYTES);
    let err = t
        .record_setting("pasted", serde_json::json!({ "v": pasted }))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("too large to sync"), "{}", err.message);
    assert_eq!(outbox::summary(t.store.conn()).unwrap(), before);
    // Just under the limit is a change like any other.
    let fits = "x".repeat(MAX_CHANGE_BYTES - 64);
    t.record_setting("fits", serde_json::json!({ "v": fits }))
        .unwrap();
    assert_eq!(
        outbox::summary(t.store.conn()).unwrap().pending,
        before.pending + 1
    );
}

#[test]
fn a_push_batch_holds_no_more_bytes_than_the_server_reads_and_always_the_oldest_change() {
    use kassa_sync_protocol::wire::{MAX_BODY_BYTES, MAX_CHANGE_BYTES};
    let mut t = till();
    t.pair("01").unwrap();
    let waiting = sync_state::pushable(t.store.conn(), 10_000).unwrap().len();
    let large = "x".repeat(MAX_CHANGE_BYTES - 64);
    for i in 0..20 {
        t.record_setting(&format!("large{i}"), serde_json::json!({ "v": large }))
            .unwrap();
    }
    let mut batches = Vec::new();
    loop {
        let batch = sync_state::pushable(t.store.conn(), 10_000).unwrap();
        let Some(last) = batch.last() else { break };
        let body = serde_json::to_vec(&batch).unwrap().len();
        assert!(body <= sync_state::PUSH_BODY_BUDGET, "{body}");
        assert!(body <= MAX_BODY_BYTES);
        batches.push(batch.len());
        sync_state::acknowledge(&mut t.store, last.seq).unwrap();
    }
    assert_eq!(batches.iter().sum::<usize>(), waiting + 20);
    assert!(batches.len() >= 3, "{batches:?}");
}

#[test]
fn acknowledging_on_an_unpaired_device_drops_nothing() {
    let mut t = till();
    let before = outbox::summary(t.store.conn()).unwrap();
    let err = sync_state::acknowledge(&mut t.store, 1_000).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotPaired);
    assert_eq!(outbox::summary(t.store.conn()).unwrap(), before);
}

#[test]
fn the_server_time_is_kept_with_the_offset_and_moves_the_clock_stamp() {
    let mut t = till();
    t.pair("01").unwrap();
    let server = t.clock.now() + Duration::minutes(2);
    let check = sync_state::record_server_time(&mut t.store, server).unwrap();
    assert_eq!(check.offset_ms, -120_000);
    assert_eq!(check.warning, None);

    // The confirmed time is the earlier clock's: here the device's, two minutes behind.
    let dev = device::device(t.store.conn()).unwrap().unwrap();
    assert_eq!(
        dev.last_server_time.as_deref(),
        Some(kassa_store::ts(t.clock.now()).as_str())
    );
    let offset: i64 = t
        .store
        .conn()
        .query_row("SELECT clock_offset_ms FROM device", [], |r| r.get(0))
        .unwrap();
    assert_eq!(offset, -120_000);
    // The next change is stamped after the server's clock, not the device's.
    assert!(t.hlc() >> 16 >= server.timestamp_millis() as u64);
    assert_eq!(
        sync_state::state(t.store.conn())
            .unwrap()
            .unwrap()
            .last_error,
        None
    );
}

#[test]
fn a_server_clock_far_ahead_is_a_warning_and_does_not_drag_the_clock_stamp() {
    let mut t = till();
    t.pair("01").unwrap();
    let before = t.hlc();
    let server = t.clock.now() + Duration::hours(3);
    let check = sync_state::record_server_time(&mut t.store, server).unwrap();
    assert!(check.warning.as_deref().unwrap().contains("ahead"));
    assert_eq!(t.hlc(), before);
    let state = sync_state::state(t.store.conn()).unwrap().unwrap();
    assert!(state.last_error.unwrap().contains("ahead"));
}

#[test]
fn a_device_clock_set_back_before_the_last_synced_server_time_is_refused_at_sign_in() {
    let mut t = till();
    t.pair("01").unwrap();
    let server = t.clock.now();
    sync_state::record_server_time(&mut t.store, server).unwrap();
    t.sign_in().unwrap();

    // Someone sets the device's clock back a day to get past a lockout or a used code.
    t.clock.set(server - Duration::days(1));
    let err = t.sign_in().unwrap_err();
    assert_eq!(err.code, ErrorCode::ClockMovedBack);

    // A later answer from a server whose clock lags does not lower the confirmed time.
    sync_state::record_server_time(&mut t.store, server - Duration::days(2)).unwrap();
    assert_eq!(t.sign_in().unwrap_err().code, ErrorCode::ClockMovedBack);
}

#[test]
fn a_device_clock_a_few_minutes_slow_or_a_fast_server_clock_locks_no_one_out() {
    let mut t = till();
    t.pair("01").unwrap();
    // The server's clock is three minutes ahead of this till's (either may be the wrong one).
    let server = t.clock.now() + Duration::minutes(3);
    sync_state::record_server_time(&mut t.store, server).unwrap();
    t.sign_in()
        .expect("a till a few minutes slow still signs in");
    // Setting the till's clock back after the sync is still caught.
    t.clock.set(server - Duration::hours(2));
    assert_eq!(t.sign_in().unwrap_err().code, ErrorCode::ClockMovedBack);
}

#[test]
fn a_failed_sync_is_remembered_until_the_next_good_one() {
    let mut t = till();
    t.pair("01").unwrap();
    let err = kassa_store::Error::new(ErrorCode::ServerUnreachable, "no route to host");
    sync_state::record_error(&mut t.store, &err).unwrap();
    let state = sync_state::state(t.store.conn()).unwrap().unwrap();
    assert_eq!(
        state.last_error.as_deref(),
        Some("server_unreachable: no route to host")
    );
    let now = t.clock.now();
    sync_state::record_server_time(&mut t.store, now).unwrap();
    let state = sync_state::state(t.store.conn()).unwrap().unwrap();
    assert_eq!(state.last_error, None);
}
