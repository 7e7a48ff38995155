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
