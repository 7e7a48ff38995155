//! The security numbers from the specification, in one place.

/// Failed sign-in attempts (password or second factor) that lock an account.
pub const MAX_FAILED_ATTEMPTS: u32 = 10;
/// How long a locked account stays locked unless an admin unlocks it.
pub const LOCKOUT_MINUTES: i64 = 30;
/// Idle minutes after which a session locks; a store may set it lower, never higher.
pub const IDLE_LOCK_MINUTES: i64 = 15;
/// Backup codes handed out at enrolment.
pub const BACKUP_CODES: usize = 10;
/// argon2id memory cost in KiB (OWASP floor: 19 MiB).
pub const ARGON2_MEMORY_KIB: u32 = 19_456;
/// argon2id passes.
pub const ARGON2_ITERATIONS: u32 = 2;
/// argon2id lanes.
pub const ARGON2_PARALLELISM: u32 = 1;
/// Bytes of randomness in a session token (128 bits).
pub const SESSION_TOKEN_BYTES: usize = 16;
/// Hours an invitation (or a re-enrolment code) stays valid unless a store sets it shorter.
pub const INVITATION_VALID_HOURS: i64 = 72;
/// Bytes of randomness in an invitation code (160 bits).
pub const INVITATION_TOKEN_BYTES: usize = 20;
/// Wrong PINs in a row after which a locked session ends and a full sign-in is needed.
pub const PIN_MAX_FAILURES: u32 = 5;
/// Hours after the full sign-in (password + second factor) during which a PIN may unlock the
/// session: one shift. After that, sign in again.
pub const PIN_UNLOCK_HOURS: i64 = 12;

/// What happened to an account's sign-in count, on any device: a failed proof of identity, or
/// something that clears the count (a success, an unlock, a new password).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInEvent {
    Failure,
    Cleared,
}

/// An account's failure count and lock, derived from every event known, each with its time in
/// milliseconds, in `(time, id)` order (the caller sorts): a clearing event starts a new
/// count; the [`MAX_FAILED_ATTEMPTS`]th failure locks the account for [`LOCKOUT_MINUTES`]
/// from that failure; a failure after a lock ran out starts a new count. The same events give
/// the same answer on every device, whichever device saw each failure.
pub fn derive_lockout(events: impl IntoIterator<Item = (i64, SignInEvent)>) -> (u32, Option<i64>) {
    let lock_ms = LOCKOUT_MINUTES * 60 * 1000;
    let (mut count, mut until): (u32, Option<i64>) = (0, None);
    for (at, event) in events {
        match event {
            SignInEvent::Cleared => (count, until) = (0, None),
            SignInEvent::Failure => {
                if until.is_some_and(|u| u <= at) {
                    (count, until) = (0, None);
                }
                count = count.saturating_add(1);
                if count >= MAX_FAILED_ATTEMPTS && until.is_none() {
                    until = Some(at.saturating_add(lock_ms));
                }
            }
        }
    }
    (count, until)
}

#[cfg(test)]
mod tests {
    use super::{SignInEvent::*, *};

    const MIN: i64 = 60_000;

    #[test]
    fn the_tenth_failure_locks_from_its_own_time() {
        let failures = (0..10).map(|i| (i * MIN, Failure));
        assert_eq!(derive_lockout(failures), (10, Some(9 * MIN + 30 * MIN)));
        let nine = (0..9).map(|i| (i * MIN, Failure));
        assert_eq!(derive_lockout(nine), (9, None));
    }

    #[test]
    fn a_clearing_event_starts_a_new_count_and_ends_a_lock() {
        let mut events: Vec<_> = (0..10).map(|i| (i, Failure)).collect();
        events.push((20, Cleared));
        events.push((21, Failure));
        assert_eq!(derive_lockout(events), (1, None));
    }

    #[test]
    fn failures_while_locked_keep_the_lock_and_one_after_it_ran_out_starts_again() {
        let mut events: Vec<_> = (0..10).map(|i| (i, Failure)).collect();
        events.push((5 * MIN, Failure));
        assert_eq!(derive_lockout(events.clone()), (11, Some(9 + 30 * MIN)));
        events.push((31 * MIN, Failure));
        assert_eq!(derive_lockout(events), (1, None));
    }
}
