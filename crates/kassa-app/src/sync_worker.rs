//! Sync in the background: a thread that syncs a paired device on a timer, with backoff
//! when the server cannot be reached, and at once after a local write.
//!
//! The schedule ([`Backoff`]) is pure: 1 s after the first failure, doubling up to 60 s,
//! and [`HEALTHY_INTERVAL`] while syncs go through. The loop ([`run_loop`]) takes its
//! attempt and its waiting as arguments, so tests drive it without a clock or a network.
//! The thread never holds the store across a network call (the engine locks it only
//! between calls) and never blocks a command: commands and the thread share only the
//! [`SyncSignal`] and the sync lock that keeps two syncs of this device from overlapping.

use crate::Api;
use kassa_domain::ErrorCode;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long the thread waits between syncs while they go through.
pub const HEALTHY_INTERVAL: Duration = Duration::from_secs(15);
/// The first wait after a failed sync; each further failure doubles it.
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait after failures.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How often a device that is not paired looks again (pairing wakes it at once).
pub const UNPAIRED_INTERVAL: Duration = Duration::from_secs(15);

/// What one sync attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The sync went through.
    Synced,
    /// The server could not be reached or refused: try again after a backoff.
    Failed,
    /// There is nothing to sync with: no store or no pairing yet.
    NotPaired,
}

/// The wait before the next attempt, from what the attempts so far came to.
#[derive(Debug, Clone, Default)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// Records an attempt and answers how long to wait before the next one.
    pub fn after(&mut self, attempt: Attempt) -> Duration {
        match attempt {
            Attempt::Synced => {
                self.failures = 0;
                HEALTHY_INTERVAL
            }
            Attempt::NotPaired => {
                self.failures = 0;
                UNPAIRED_INTERVAL
            }
            Attempt::Failed => {
                let exp = self.failures.min(6);
                self.failures = self.failures.saturating_add(1);
                FIRST_BACKOFF.saturating_mul(1 << exp).min(MAX_BACKOFF)
            }
        }
    }

    /// Whether the last attempt failed (a local write then waits for the backoff).
    pub fn failing(&self) -> bool {
        self.failures > 0
    }
}

/// Why a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Woke {
    /// The time was up.
    TimedOut,
    /// A local write or a pairing asked for a sync now.
    Nudged,
    /// The app is closing: the loop ends.
    Stopped,
}

/// How the loop waits; [`SyncSignal`] in the app, a recorder in tests.
pub trait Waiter {
    /// Waits up to `timeout`; a nudge ends the wait early only when `nudge_ends_wait`.
    fn wait(&self, timeout: Duration, nudge_ends_wait: bool) -> Woke;
}

/// Runs attempts until the waiter says stop: at once at start, then after each wait.
/// While syncs fail, a local write does not cut the backoff short (the server is not
/// there); once it is, a local write is pushed at once.
pub fn run_loop(mut attempt: impl FnMut() -> Attempt, waiter: &dyn Waiter) {
    let mut backoff = Backoff::default();
    loop {
        let outcome = attempt();
        let delay = backoff.after(outcome);
        if waiter.wait(delay, !backoff.failing()) == Woke::Stopped {
            return;
        }
    }
}

#[derive(Debug, Default)]
struct SignalState {
    nudged: bool,
    stopped: bool,
    syncing: bool,
    /// Changes of the server's log left to pull while a sync pulls.
    remaining: Option<u64>,
}

/// What the background thread and the commands share: nudges, stop, and whether a sync is
/// running now (for `sync_status`).
#[derive(Debug, Default)]
pub struct SyncSignal {
    state: Mutex<SignalState>,
    cv: Condvar,
}

impl SyncSignal {
    fn lock(&self) -> MutexGuard<'_, SignalState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks for a sync now (after a local write or a pairing).
    pub fn nudge(&self) {
        self.lock().nudged = true;
        self.cv.notify_all();
    }

    /// Ends the background loop at its next wait.
    pub fn stop(&self) {
        self.lock().stopped = true;
        self.cv.notify_all();
    }

    /// Whether a sync is running now.
    pub fn syncing(&self) -> bool {
        self.lock().syncing
    }

    /// Changes left to pull, while a sync pulls a long log.
    pub fn remaining(&self) -> Option<u64> {
        self.lock().remaining
    }

    pub(crate) fn set_syncing(&self, syncing: bool) {
        let mut s = self.lock();
        s.syncing = syncing;
        s.remaining = None;
    }

    pub(crate) fn set_remaining(&self, remaining: u64) {
        self.lock().remaining = Some(remaining);
    }
}

impl Waiter for SyncSignal {
    fn wait(&self, timeout: Duration, nudge_ends_wait: bool) -> Woke {
        let deadline = std::time::Instant::now() + timeout;
        let mut s = self.lock();
        loop {
            if s.stopped {
                return Woke::Stopped;
            }
            if s.nudged && nudge_ends_wait {
                s.nudged = false;
                return Woke::Nudged;
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                // A nudge that came during a backoff is served by this attempt.
                s.nudged = false;
                return Woke::TimedOut;
            }
            s = self
                .cv
                .wait_timeout(s, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

/// The running background sync; stops (and joins its thread) when dropped.
#[derive(Debug)]
pub struct SyncWorker {
    signal: Arc<SyncSignal>,
    thread: Option<JoinHandle<()>>,
}

impl SyncWorker {
    /// Starts syncing `api`'s device in the background.
    pub fn start(api: Arc<Api>) -> std::io::Result<SyncWorker> {
        let signal = api.sync_signal();
        let thread = std::thread::Builder::new()
            .name("kassa-sync".into())
            .spawn({
                let signal = signal.clone();
                move || run_loop(|| api.sync_in_background(), &*signal)
            })?;
        Ok(SyncWorker {
            signal,
            thread: Some(thread),
        })
    }
}

impl Drop for SyncWorker {
    fn drop(&mut self) {
        self.signal.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Api {
    /// The signal the background sync waits on.
    pub fn sync_signal(&self) -> Arc<SyncSignal> {
        self.sync_signal.clone()
    }

    /// One background sync attempt: skipped without a pairing, kept as the last error when
    /// it fails (the engine does that), logged, never raised.
    pub fn sync_in_background(&self) -> Attempt {
        let _one_at_a_time = self.sync_lock();
        self.sync_signal.set_syncing(true);
        let signal = self.sync_signal.clone();
        let result =
            kassa_sync_client::blocking::sync_once_with_progress(&self.store, &move |remaining| {
                signal.set_remaining(remaining)
            });
        self.sync_signal.set_syncing(false);
        match result {
            Ok(report) => {
                if report.pushed + report.pulled > 0 {
                    tracing::info!(
                        pushed = report.pushed,
                        pulled = report.pulled,
                        conflicts = report.conflicts,
                        "synced"
                    );
                }
                Attempt::Synced
            }
            Err(e) if e.code == ErrorCode::NotPaired => Attempt::NotPaired,
            Err(e) => {
                tracing::debug!(error = %e, "background sync failed");
                Attempt::Failed
            }
        }
    }

    /// Held while this device syncs, so a sync started by hand and the background one never
    /// overlap (the store itself is not held).
    pub(crate) fn sync_lock(&self) -> MutexGuard<'_, ()> {
        self.sync_running.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn secs(d: &[Duration]) -> Vec<u64> {
        d.iter().map(Duration::as_secs).collect()
    }

    #[test]
    fn failures_back_off_from_one_second_doubling_to_a_minute() {
        let mut b = Backoff::default();
        let waits: Vec<Duration> = (0..9).map(|_| b.after(Attempt::Failed)).collect();
        assert_eq!(secs(&waits), [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(b.after(Attempt::Synced), HEALTHY_INTERVAL);
        assert_eq!(
            b.after(Attempt::Failed),
            FIRST_BACKOFF,
            "a success starts over"
        );
        assert_eq!(b.after(Attempt::NotPaired), UNPAIRED_INTERVAL);
        assert!(!b.failing());
    }

    /// Records each wait and answers from a script; stops when the script runs out.
    struct Script {
        answers: RefCell<Vec<Woke>>,
        waits: RefCell<Vec<(u64, bool)>>,
    }

    impl Waiter for Script {
        fn wait(&self, timeout: Duration, nudge_ends_wait: bool) -> Woke {
            self.waits
                .borrow_mut()
                .push((timeout.as_secs(), nudge_ends_wait));
            let mut a = self.answers.borrow_mut();
            if a.is_empty() {
                Woke::Stopped
            } else {
                a.remove(0)
            }
        }
    }

    #[test]
    fn the_loop_syncs_at_once_backs_off_while_failing_and_follows_nudges_when_healthy() {
        let outcomes = RefCell::new(vec![
            Attempt::Failed,
            Attempt::Failed,
            Attempt::Failed,
            Attempt::Synced,
            Attempt::Synced,
            Attempt::NotPaired,
        ]);
        let waiter = Script {
            answers: RefCell::new(vec![
                Woke::TimedOut,
                Woke::TimedOut,
                Woke::TimedOut,
                Woke::Nudged,
                Woke::TimedOut,
            ]),
            waits: RefCell::new(Vec::new()),
        };
        let attempts = RefCell::new(0);
        run_loop(
            || {
                *attempts.borrow_mut() += 1;
                outcomes.borrow_mut().remove(0)
            },
            &waiter,
        );
        assert_eq!(
            *attempts.borrow(),
            6,
            "one attempt at start and one after each wait"
        );
        assert_eq!(
            *waiter.waits.borrow(),
            [
                (1, false),
                (2, false),
                (4, false),
                (15, true),
                (15, true),
                (15, true)
            ]
        );
    }

    #[test]
    fn a_nudge_ends_a_healthy_wait_but_not_a_backoff_and_stop_ends_both() {
        let signal = SyncSignal::default();
        signal.nudge();
        assert_eq!(signal.wait(Duration::from_secs(3600), true), Woke::Nudged);
        signal.nudge();
        assert_eq!(
            signal.wait(Duration::from_millis(1), false),
            Woke::TimedOut,
            "a backoff runs its course"
        );
        // The nudge was served by the attempt after the backoff.
        assert_eq!(signal.wait(Duration::from_millis(1), true), Woke::TimedOut);
        signal.stop();
        assert_eq!(signal.wait(Duration::from_secs(3600), false), Woke::Stopped);
    }
}
