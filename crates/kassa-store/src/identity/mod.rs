//! Who someone is and what they may do on this device: proving identity (`auth`: password,
//! TOTP or backup code, failure counting and lockout), a manager's approval given on the spot
//! (`approval`), one-time codes to join or re-enrol (`invitation`), one's own credentials
//! (`credentials`), the staff rows (`staff`) and sessions (`session`), and sealing staff
//! secrets again after the store key is rotated (`rekey`).

pub(crate) mod apply;
pub mod approval;
pub mod auth;
pub mod credentials;
pub mod invitation;
pub(crate) mod lockout;
pub mod rekey;
pub mod session;
pub mod staff;
