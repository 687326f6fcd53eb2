-- 0002: enrollment. Machines that used a key, and per-key refusal counters.

-- machines are enrollments: one row per certificate issued to a machine. A re-enrollment adds
-- a row and revokes the one it replaces, so every serial ever issued stays here for the CRL.
-- key_id becomes NULL when the key is deleted (its machines are revoked first); key_name and
-- cert_name keep what they were called. cert_id has no foreign key on purpose: the rows are
-- history and outlive a deleted CA, and AUTOINCREMENT never hands its id to another one.
CREATE TABLE machines (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL, -- strings.ToLower(name)
    key_id      INTEGER REFERENCES keys (id) ON DELETE SET NULL,
    key_name    TEXT    NOT NULL,
    groups      TEXT    NOT NULL, -- JSON array of the key's group names at enrollment
    cert_id     INTEGER NOT NULL,
    cert_name   TEXT    NOT NULL,
    serial      TEXT    NOT NULL UNIQUE, -- upper-case hex
    not_after   INTEGER NOT NULL,
    enrolled_at INTEGER NOT NULL,
    remote      TEXT    NOT NULL DEFAULT '',
    revoked_at  INTEGER, -- NULL while active
    used_use    INTEGER NOT NULL CHECK (used_use IN (0, 1)), -- 0: a re-enrollment, no use consumed
    certificate BLOB    NOT NULL -- DER
) STRICT;

-- At most one active certificate per machine name and key: the re-enrollment rule and the
-- lookup both use it.
CREATE UNIQUE INDEX machines_active ON machines (key_id, name_key) WHERE revoked_at IS NULL;
CREATE INDEX machines_key ON machines (key_id, enrolled_at);
CREATE INDEX machines_name ON machines (name_key);
CREATE INDEX machines_revoked ON machines (cert_id, revoked_at) WHERE revoked_at IS NOT NULL;

-- key_refusals counts refused enrollments per key instead of writing a row for each.
CREATE TABLE key_refusals (
    key_id      INTEGER PRIMARY KEY REFERENCES keys (id) ON DELETE CASCADE,
    count       INTEGER NOT NULL,
    last_at     INTEGER NOT NULL,
    last_reason TEXT    NOT NULL
) STRICT;
