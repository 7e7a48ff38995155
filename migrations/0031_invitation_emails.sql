-- Invitation codes to be emailed by the server (staff invitations and re-enrolments whose
-- admin chose "email the code"). Device-local: the code is sealed under this device's key
-- (context `invitation_emails.code:<id>`) and never synced; the sync engine forwards the row
-- to the server (`POST /api/v1/emails/invitation`) and deletes it once the server kept it.
-- The synced `email_outbox` row of the same id says the email exists, without the code.
CREATE TABLE invitation_emails (
    id              TEXT PRIMARY KEY NOT NULL,
    invitation_id   TEXT NOT NULL,
    to_address      TEXT NOT NULL,
    code_enc        BLOB NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    last_attempt_at TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX invitation_emails_invitation ON invitation_emails(invitation_id);
