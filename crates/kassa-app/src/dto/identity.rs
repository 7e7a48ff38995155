//! DTOs of staff identity: staff and invitations, one's own credentials, the lock screen and
//! a manager's approval.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A manager's credentials typed in place to approve one action the signed-in person may not
/// do alone: their email, their password or their PIN, and a fresh authenticator code.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct OverrideCredentials {
    pub email: String,
    /// The approver's password; or give `pin`.
    pub password: Option<String>,
    /// The approver's quick-unlock PIN; or give `password`.
    pub pin: Option<String>,
    /// The current 6-digit code from the approver's authenticator app (always required).
    pub totp_code: String,
}

/// A staff member as Admin → Staff shows them. No hashes, no secrets.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StaffDto {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// `cashier`, `agent`, `manager` or `admin`.
    #[ts(type = "Role")]
    pub role: String,
    /// `active` or `suspended`.
    #[ts(type = "StaffStatus")]
    pub status: String,
    /// RFC 3339 time until which the account is locked after failed attempts, if it is now.
    pub locked_until: Option<String>,
    /// Failed attempts since the last success.
    pub failed_attempts: u32,
    /// An authenticator is enrolled (false while a new-authenticator code is pending).
    pub totp_enrolled: bool,
    pub backup_codes_left: u32,
    pub has_pin: bool,
    /// Must choose a new password at the next sign-in (after an admin reset).
    pub must_change_password: bool,
    /// Whether the signed-in person may change this member (role, suspension, reset...).
    pub manageable: bool,
    /// This is the signed-in person.
    pub is_me: bool,
}

/// An invitation (or new-authenticator code) not yet accepted or withdrawn. Never the code.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct InvitationDto {
    pub id: String,
    /// `invite` (a new account) or `reenrol` (a new authenticator for an existing one).
    pub kind: String,
    pub email: String,
    pub display_name: Option<String>,
    #[ts(type = "Role")]
    pub role: String,
    /// `pending`, `expired`, `accepted` or `revoked`.
    pub state: String,
    /// RFC 3339.
    pub expires_at: String,
    pub created_at: String,
    pub manageable: bool,
}

/// Everyone on the staff and the open invitations.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StaffListOutput {
    pub staff: Vec<StaffDto>,
    pub invitations: Vec<InvitationDto>,
    /// Roles the signed-in person may grant, lowest first.
    #[ts(type = "Array<Role>")]
    pub assignable_roles: Vec<String>,
}

/// Invite a person by email with a role.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct StaffInviteInput {
    pub email: String,
    /// `cashier`, `agent`, `manager` or `admin`.
    #[ts(type = "Role")]
    pub role: String,
    /// How the person is shown; they may change it when they accept.
    pub display_name: Option<String>,
    /// Also email the code to the person: the server sends it at this device's next sync
    /// (the code never syncs; see README "Staff and sign-in").
    pub email_code: Option<bool>,
}

/// A new one-time code, shown once to pass on to the person.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(optional_fields)]
pub struct InvitationIssued {
    pub invitation: InvitationDto,
    /// The one-time code, in groups of four characters. Never shown again.
    pub token: String,
    /// The email that carries the code to the person, when one was asked for (it shows
    /// under Admin → Emails as `staff_invitation`).
    pub email_id: Option<String>,
}

/// A new code for an open invitation, optionally emailed to the person.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct InvitationResendInput {
    pub invitation_id: String,
    /// Also email the new code to the person.
    pub email_code: Option<bool>,
}

/// A new authenticator for a staff member, its code optionally emailed to them.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct StaffReenrolInput {
    pub staff_id: String,
    /// Also email the code to the staff member's address.
    pub email_code: Option<bool>,
}

/// Names an invitation.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct InvitationRef {
    pub invitation_id: String,
}

/// A code as typed by the person it was given to.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct InvitationCodeInput {
    pub token: String,
}

/// What a valid code is for, before the person redeems it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct InvitationCheckOutput {
    /// `invite`: choose a password; `reenrol`: confirm with the current password.
    pub kind: String,
    pub email: String,
    pub display_name: Option<String>,
    #[ts(type = "Role")]
    pub role: String,
    pub store_name: String,
    pub expires_at: String,
}

/// Redeem a code: an invitation with a new password, or a re-enrolment with the current one.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct StaffAcceptInput {
    pub token: String,
    /// For an invitation the new password; for a re-enrolment the current password.
    pub password: String,
    /// For an invitation: how to be shown (default: what the admin typed, or the email's name).
    pub display_name: Option<String>,
}

/// Names a staff member.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StaffRef {
    pub staff_id: String,
}

/// Change a staff member's role.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StaffRoleInput {
    pub staff_id: String,
    #[ts(type = "Role")]
    pub role: String,
}

/// Suspend (`active: false`) or reactivate a staff member.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StaffActiveInput {
    pub staff_id: String,
    pub active: bool,
}

/// Lift a lockout, by id (Admin → Staff) or by email (a colleague at the counter). Someone
/// whose role does not allow it adds a manager's approval.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct StaffUnlockInput {
    pub staff_id: Option<String>,
    pub email: Option<String>,
    /// A manager's credentials, when the signed-in person may not unlock alone (or nobody is
    /// signed in: at the sign-in screen the manager unlocks a colleague in place).
    pub approval: Option<OverrideCredentials>,
}

/// A temporary password from an admin reset, shown once to pass on.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TemporaryPassword {
    pub staff: StaffDto,
    /// Must be replaced at the next sign-in.
    pub temporary_password: String,
}

/// Change one's own password.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
}

/// Set one's own quick-unlock PIN.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SetPinInput {
    pub current_password: String,
    /// 4 to 8 digits.
    pub pin: String,
}

/// Confirms a change to one's own credentials with the current password.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ConfirmPasswordInput {
    pub current_password: String,
}

/// New backup codes, shown once; the old ones no longer work.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct BackupCodesOutput {
    pub backup_codes: Vec<String>,
}

/// Unlock the locked session: the PIN, or the password with a second factor.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields)]
pub struct UnlockInput {
    pub pin: Option<String>,
    pub password: Option<String>,
    pub totp_code: Option<String>,
    pub backup_code: Option<String>,
}
