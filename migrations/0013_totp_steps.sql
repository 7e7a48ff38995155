-- Every authenticator step a person proved themselves with (sign-in, unlock, approval), on
-- any device: a step used anywhere is refused everywhere. A device checks only the steps near
-- its own clock, so a device whose clock runs days ahead cannot use up everyone's codes.
-- The row a step keeps is its first use by (time, device); a second use elsewhere is a
-- conflict. `staff.totp_last_step` is kept for what older devices send.
CREATE TABLE totp_steps (
    -- '<staff id>:<step>'
    id        TEXT PRIMARY KEY,
    staff_id  TEXT NOT NULL REFERENCES staff(id),
    step      INTEGER NOT NULL,
    used_at   TEXT NOT NULL,
    device_id TEXT NOT NULL
);
CREATE UNIQUE INDEX totp_steps_staff ON totp_steps(staff_id, step);
CREATE TRIGGER totp_steps_kept BEFORE DELETE ON totp_steps
BEGIN SELECT RAISE(ABORT, 'used authenticator steps are kept'); END;
