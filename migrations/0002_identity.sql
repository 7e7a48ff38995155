-- Staff identity: invitations and re-enrolment codes, PINs, session locks, retired backup codes.

-- A one-time code handed to a person: an invitation to join (kind 'invite': email and role,
-- accepting creates the account) or a new authenticator for an existing account (kind
-- 'reenrol': accepting with the current password replaces the TOTP secret and backup codes).
-- Reference data, synced, so the code can be redeemed on any device of the store.
CREATE TABLE invitations (
    id           TEXT PRIMARY KEY,
    store_id     TEXT NOT NULL REFERENCES stores(id),
    kind         TEXT NOT NULL CHECK (kind IN ('invite', 'reenrol')),
    email        TEXT NOT NULL COLLATE NOCASE,
    display_name TEXT,
    role         TEXT NOT NULL CHECK (role IN ('cashier', 'agent', 'manager', 'admin')),
    -- The staff member a re-enrolment is for, or whom an accepted invitation created.
    staff_id     TEXT REFERENCES staff(id),
    -- SHA-256 of the code (160 random bits); the code itself is never stored.
    token_hash   TEXT NOT NULL UNIQUE,
    expires_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL REFERENCES staff(id),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    accepted_at  TEXT,
    revoked_at   TEXT
);
CREATE INDEX invitations_open ON invitations(email) WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- The quick-unlock PIN, an argon2id PHC string like the password. Synced with the person,
-- but it only ever unlocks a session they opened with password and second factor.
ALTER TABLE staff ADD COLUMN pin_hash TEXT;

-- A locked session is still open (its work is kept) but acts for nobody until unlocked.
ALTER TABLE sessions ADD COLUMN locked_at TEXT;
ALTER TABLE sessions ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0;

-- Backup codes replaced by a new set can no longer be used.
ALTER TABLE backup_codes ADD COLUMN revoked_at TEXT;
